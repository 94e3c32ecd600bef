import type { FastifyInstance } from "fastify";
import type { WebContext } from "../context.ts";

export function decideRoutes(_scope: FastifyInstance, _web: WebContext): void {}
