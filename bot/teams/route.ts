// POST /api/messages on the product's Fastify server, as an encapsulated plugin (its raw-body parser does
// not leak into the JSON API). The Bot Framework JWT is checked first — missing or invalid is 401 before
// the body is even parsed — then a malformed activity is 400, then the turn runs and an invoke's answer
// becomes the HTTP answer.
import type { Activity, TurnContext } from "botbuilder";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Logger } from "pino";
import { describeUnstorable, findUnstorable } from "../../handlers/storable-json.ts";
import type { TeamsAdapter } from "./adapter.ts";

type Logic = (turn: TurnContext) => Promise<void>;

export function messagesRoute(adapter: TeamsAdapter, logic: Logic, logger: Logger) {
  return async (scope: FastifyInstance): Promise<void> => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
    scope.post("/api/messages", (request, reply) =>
      handle(
        adapter,
        logic,
        logger,
        request.body instanceof Buffer ? request.body : Buffer.alloc(0),
        request.headers.authorization,
        reply,
      ),
    );
  };
}

const refuse = (reply: FastifyReply, status: number, code: string, message: string) =>
  reply.status(status).send({ error: { code, message } });

async function handle(
  adapter: TeamsAdapter,
  logic: Logic,
  logger: Logger,
  raw: Buffer,
  authHeader: string | undefined,
  reply: FastifyReply,
): Promise<FastifyReply> {
  if (!authHeader || !/^Bearer \S+$/.test(authHeader)) {
    return refuse(reply, 401, "unauthorized", "a Bot Framework token (Authorization: Bearer …) is required");
  }
  const body = parseJson(raw);
  // The token is bound to the channel and service URL the activity claims; unreadable bodies claim none.
  const claimed = {
    channelId: typeof body?.channelId === "string" ? body.channelId : "",
    serviceUrl: typeof body?.serviceUrl === "string" ? body.serviceUrl : undefined,
  };
  let authenticated: Awaited<ReturnType<TeamsAdapter["authenticate"]>>;
  try {
    authenticated = await adapter.authenticate(claimed, authHeader);
  } catch (err) {
    // botbuilder says 500 when it could not load the signing keys: that is ours to fix, not the caller's.
    if ((err as { statusCode?: number }).statusCode === 500) {
      logger.error({ err }, "teams: could not load the Bot Framework signing keys");
      return refuse(reply, 503, "unavailable", "the Bot Framework signing keys could not be loaded");
    }
    logger.warn({ reason: (err as Error).message }, "teams request refused");
    return refuse(reply, 401, "unauthorized", "the Bot Framework token is not valid for this bot");
  }
  const problem = activityProblem(body);
  if (problem) return refuse(reply, 400, "bad_request", problem);
  try {
    const answer = await adapter.run(authenticated, body as unknown as Activity, logic);
    return reply.status(answer?.status ?? 200).send(answer?.body ?? "");
  } catch (err) {
    logger.error({ err }, "teams turn failed");
    return refuse(reply, 500, "internal", "internal error");
  }
}

function parseJson(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(raw.toString("utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** What makes a body not an activity Countersign can act on, or undefined when it is one. */
export function activityProblem(body: Record<string, unknown> | undefined): string | undefined {
  if (!body) return "body is not a Bot Framework activity (not a JSON object)";
  // Nothing in it may reach the database unstorable (a NUL in a rationale typed on a card, say).
  const unstorable = findUnstorable(body);
  if (unstorable) return describeUnstorable(unstorable, "");
  for (const field of ["type", "channelId", "serviceUrl"]) {
    if (typeof body[field] !== "string" || body[field] === "") return `activity has no ${field}`;
  }
  for (const field of ["conversation", "from"]) {
    const v = body[field] as { id?: unknown } | undefined;
    if (typeof v !== "object" || v === null || typeof v.id !== "string") return `activity has no ${field}.id`;
  }
  return undefined;
}
