import type { FastifyInstance } from "fastify";
import type { WebContext } from "../context.ts";

export function queueRoutes(_scope: FastifyInstance, _web: WebContext): void {}
