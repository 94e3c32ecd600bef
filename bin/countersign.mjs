#!/usr/bin/env node
// The countersign command. The product ships as TypeScript; tsx runs it without a build step.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
