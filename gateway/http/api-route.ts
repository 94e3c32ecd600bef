// apiRoute(): the one way to declare a /v1 route. One declaration says who may call it (key kinds),
// what it takes (zod schemas for path, query and body), what it answers (a zod shape per status) and
// which error codes it may add to those every route can answer; apiRoute refuses values the database
// cannot store, enforces the keys and parses the input with those very schemas before the handler runs,
// and GET /openapi.json is generated from the same declaration (openapi.ts). A /v1 route registered any
// other way fails test/integration/openapi.test.ts, which reads Fastify's route table.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { ErrorCode } from "../../sdk/types.ts";
import type { KeyKind, Principal } from "../keys.ts";
import type { KeyAuthenticator } from "./auth.ts";
import { parseWith } from "./errors.ts";
import { refuseUnstorable } from "./storable-request.ts";

type AnySchema = z.ZodType;
type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface ApiRouteSpec<
  P extends AnySchema | undefined,
  Q extends AnySchema | undefined,
  B extends AnySchema | undefined,
> {
  method: "GET" | "POST" | "DELETE";
  /** Fastify's form: /v1/approvals/:id. */
  url: string;
  /** One line for the document. */
  summary: string;
  /** The key kinds that may call it. */
  keys: readonly KeyKind[];
  params?: P;
  query?: Q;
  body?: B;
  /**
   * A faster reader for a hot route's body, which must give what `body` gives for every input (its own
   * test proves that); `body` still describes it in the document.
   */
  readBody?: (body: unknown) => Parsed<B>;
  /** Each success status and the shape it answers with. */
  responses: Record<number, { description: string; shape: z.ZodType }>;
  /** Error codes this route answers with beyond every route's (bad input, no key, wrong key, 500, 503). */
  errors?: readonly ErrorCode[];
  handler(
    input: { principal: Principal; params: Parsed<P>; query: Parsed<Q>; body: Parsed<B> },
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<unknown>;
}

/** What the route table keeps of a declaration (Fastify's route `config.api`). */
export type ApiRouteDeclaration = Omit<
  ApiRouteSpec<AnySchema | undefined, AnySchema | undefined, AnySchema | undefined>,
  "handler" | "readBody"
>;

export function apiRoute<
  P extends AnySchema | undefined = undefined,
  Q extends AnySchema | undefined = undefined,
  B extends AnySchema | undefined = undefined,
>(app: FastifyInstance, auth: KeyAuthenticator, spec: ApiRouteSpec<P, Q, B>): void {
  const { handler, readBody, ...declaration } = spec;
  app.route({
    method: spec.method,
    url: spec.url,
    config: { api: declaration as ApiRouteDeclaration },
    async handler(request, reply) {
      // First, as before any other check: a value PostgreSQL cannot store is a 400 naming its field.
      refuseUnstorable(request);
      const principal = await auth.require(request, ...spec.keys);
      const input = {
        principal,
        params: (spec.params ? parseWith(spec.params, request.params, "path") : undefined) as Parsed<P>,
        query: (spec.query ? parseWith(spec.query, request.query, "query") : undefined) as Parsed<Q>,
        body: (readBody
          ? readBody(request.body)
          : spec.body
            ? parseWith(spec.body, request.body)
            : undefined) as Parsed<B>,
      };
      return handler(input, request, reply);
    },
  });
}
