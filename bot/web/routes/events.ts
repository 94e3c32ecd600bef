// GET /console/events: Server-Sent Events that keep an open page current (see feed.ts). The stream is
// handed to the feed and stays open until the page goes away or the server stops.
import type { FastifyInstance } from "fastify";
import type { WebContext } from "../context.ts";

export function eventRoutes(scope: FastifyInstance, web: WebContext): void {
  scope.get("/events", async (request, reply) => {
    const pending = await web.feed.pendingCount();
    reply.hijack();
    reply.raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      // Tells nginx-like proxies not to hold events back.
      "x-accel-buffering": "no",
    });
    // The count as it stands now, so a page that loaded a moment ago is right from the start.
    reply.raw.write(`retry: 1000\nevent: changed\ndata: ${JSON.stringify({ pending, ids: [] })}\n\n`);
    web.feed.add(reply.raw, request.consoleSession!);
  });
}
