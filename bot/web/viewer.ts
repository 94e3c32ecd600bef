// The signed-in person as pages see them: their email and this page's CSRF token.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Viewer } from "../../blocks/html/layout.tsx";

export function viewerOf(request: FastifyRequest, reply: FastifyReply): Viewer {
  return { email: request.consoleSession!.email, csrf: reply.generateCsrf() };
}
