// Bolt's transport over the product's own Fastify server: POST /slack/events. The signature and the
// five-minute window are checked first, on the raw bytes (401 before anything else happens), then the
// body is parsed (400 if malformed) and handed to Bolt, whose ack becomes the HTTP answer.
import type { App, Receiver, ReceiverEvent } from "@slack/bolt";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Logger } from "pino";
import { deliveryKey, parseSlackBody } from "./parse-body.ts";
import { RecentKeys } from "./recent-keys.ts";
import { verifySignature } from "./signature.ts";

/** Slack gives up after 3 s; an event no listener acknowledged by then is answered empty. */
const ACK_DEADLINE_MS = 2_800;

export class FastifyReceiver implements Receiver {
  private app: App | undefined;
  // Slack retries a request it thinks went unanswered; a retry of one already handled is acked only.
  private readonly handled = new RecentKeys(10 * 60_000);

  constructor(
    private readonly signingSecret: string,
    private readonly logger: Logger,
  ) {}

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  /** An encapsulated plugin: its raw-body parsers do not leak into the JSON API. */
  readonly plugin = async (scope: FastifyInstance): Promise<void> => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
    scope.post("/slack/events", (request, reply) =>
      this.handle(
        request.body instanceof Buffer ? request.body : Buffer.alloc(0),
        request.headers as Record<string, string | undefined>,
        reply,
      ),
    );
  };

  private async handle(raw: Buffer, headers: Record<string, string | undefined>, reply: FastifyReply) {
    const check = verifySignature(
      this.signingSecret,
      { signature: headers["x-slack-signature"], timestamp: headers["x-slack-request-timestamp"] },
      raw,
    );
    if (!check.ok) {
      this.logger.warn({ reason: check.reason }, "slack request refused");
      return reply.status(401).send({ error: { code: "unauthorized", message: check.reason } });
    }
    const parsed = parseSlackBody(raw, headers["content-type"] ?? "");
    if (!parsed.ok) return reply.status(400).send({ error: { code: "bad_request", message: parsed.reason } });
    const { body } = parsed;
    if (body.ssl_check !== undefined) return reply.status(200).send("");
    if (body.type === "url_verification") return reply.status(200).send({ challenge: body.challenge });

    const retryNum =
      headers["x-slack-retry-num"] === undefined ? undefined : Number(headers["x-slack-retry-num"]);
    const key = deliveryKey(body);
    const seen = key !== undefined && this.handled.check(key);
    if (seen && retryNum !== undefined) {
      this.logger.debug({ key, retryNum }, "slack retry of a handled request: acked only");
      return reply.status(200).header("x-slack-no-retry", "1").send("");
    }
    return this.dispatch(body, retryNum, headers["x-slack-retry-reason"], reply);
  }

  private dispatch(
    body: Record<string, unknown>,
    retryNum: number | undefined,
    retryReason: string | undefined,
    reply: FastifyReply,
  ): Promise<FastifyReply> {
    return new Promise((resolve) => {
      let acked = false;
      const answer = (response: unknown) => {
        if (acked) return;
        acked = true;
        clearTimeout(deadline);
        if (response === undefined || response === "") resolve(reply.status(200).send(""));
        else if (typeof response === "string") resolve(reply.status(200).type("text/plain").send(response));
        else resolve(reply.status(200).send(response));
      };
      const deadline = setTimeout(() => {
        this.logger.warn({ type: body.type ?? body.command }, "no slack listener acknowledged in time");
        answer(undefined);
      }, ACK_DEADLINE_MS);
      const event: ReceiverEvent = {
        body,
        retryNum,
        retryReason,
        ack: async (response?: unknown) => answer(response),
      };
      this.app!.processEvent(event).catch((err) => {
        this.logger.error({ err }, "slack event failed");
        if (!acked) {
          acked = true;
          clearTimeout(deadline);
          resolve(reply.status(500).send({ error: { code: "internal", message: "internal error" } }));
        }
      });
    });
  }
}
