// The YAML shapes of the five kinds, checked with zod and turned into the normalised types in types.ts.
// Objects are strict so that a typo (`timeoutMinuts`) is an error rather than a silently ignored key.
// validateDocument() reports every problem of one document as {path, reason}; the loader adds file,
// document index and line. Cross-document checks (duplicates, team references) are the loader's.
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { z } from "zod";
import { ConditionError, compileCondition } from "../policy/engine.ts";
import type {
  AgentResource,
  PolicyResource,
  PolicyRule,
  RoleResource,
  RoutingSpec,
  TeamResource,
  ToolResource,
} from "./types.ts";
import { SIDE_EFFECT_LEVELS } from "./types.ts";

const API_VERSIONS = ["countersign.dev/v1alpha1", "joch.dev/v1alpha1"] as const;
const KINDS = ["Tool", "Policy", "Team", "Role", "Agent"] as const;
type Kind = (typeof KINDS)[number];

export type ParsedDocument =
  | { kind: "Tool"; resource: ToolResource }
  | { kind: "Policy"; resource: PolicyResource }
  | { kind: "Team"; resource: TeamResource }
  | { kind: "Role"; resource: RoleResource }
  | { kind: "Agent"; resource: AgentResource };

export interface SchemaProblem {
  path: (string | number)[];
  reason: string;
}

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object in types only.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const EMAIL = /^[^\s@:]+@[^\s@]+\.[^\s@]+$/;
const CHANNEL =
  /^(slack:(#[a-z0-9][a-z0-9._-]*|[CG][A-Z0-9]+)|teams:[^/\s][^/]*(\/[^/\s][^/]*)?|email:[^\s@]+@[^\s@]+\.[^\s@]+)$/;
const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const API_VERSION_REASON = `expected ${API_VERSIONS.join(" or ")}`;

/** A schema-level message that still says "required" when the field is missing altogether. */
const expecting =
  (message: string) =>
  (issue: { code: string; input?: unknown }): string =>
    issue.code === "invalid_type" && issue.input === undefined ? "required" : message;

const name = z.string({ error: expecting("expected a name") }).regex(NAME, {
  error: "expected a name of letters, digits, '.', '_' or '-', starting and ending with a letter or digit",
});
const email = z
  .string({ error: expecting("expected an email address") })
  .regex(EMAIL, { error: "expected an email address" })
  .transform((s) => s.toLowerCase());
const labels = z.record(z.string(), z.string({ error: expecting("expected a string label value") }));
const positiveNumber = z
  .number({ error: expecting("expected a positive number") })
  .positive({ error: "expected a positive number" });

const channel = z.string({ error: expecting("expected a channel") }).regex(CHANNEL, {
  error:
    "expected a channel: slack:#name, slack:C0123, teams:<conversation id>, teams:<team>/<channel> or email:ADDRESS",
});
const channels = z.array(channel);
const personRef = z
  .string({ error: expecting("expected team:NAME or user:EMAIL") })
  .refine(
    (ref) =>
      (ref.startsWith("team:") && NAME.test(ref.slice(5))) ||
      (ref.startsWith("user:") && EMAIL.test(ref.slice(5))),
    { error: "expected team:NAME or user:EMAIL" },
  );
const rationale = z.enum(["required", "optional"], { error: expecting("expected required or optional") });

const person = z.strictObject({
  email,
  slack: z
    .string()
    .regex(/^[UW][A-Z0-9]+$/, { error: "expected a Slack user id (U…)" })
    .optional(),
  teams: z.string().min(1, { error: "expected a Teams AAD object id" }).optional(),
});

const sla = z.strictObject({
  atRiskAfterMinutes: positiveNumber.optional(),
  breachAfterMinutes: positiveNumber.optional(),
  escalateTo: z.array(personRef).default([]),
  escalationChannels: channels.default([]),
});

// rationale and channels may sit in approvalRouting or beside it in `require`; both are merged.
const approvalRouting = z
  .strictObject({
    approvers: z.array(personRef).min(1, { error: "list at least one team:NAME or user:EMAIL" }),
    timeoutMinutes: positiveNumber,
    onTimeout: z.literal("deny", {
      error: expecting("expected deny (a request that times out is always denied)"),
    }),
    channels: channels.optional(),
    rationale: rationale.optional(),
    sla: sla.optional(),
  })
  .transform((routing, ctx) => {
    const atRisk = routing.sla?.atRiskAfterMinutes ?? routing.timeoutMinutes / 2;
    // ×4/5 rather than ×0.8 keeps round figures round (1.5 min → 1.2, not 1.2000000000000002).
    const breach = routing.sla?.breachAfterMinutes ?? (routing.timeoutMinutes * 4) / 5;
    if (atRisk > breach) {
      ctx.addIssue({
        code: "custom",
        path: ["sla", "atRiskAfterMinutes"],
        message: `must not exceed breachAfterMinutes (${breach})`,
      });
    }
    if (breach > routing.timeoutMinutes) {
      ctx.addIssue({
        code: "custom",
        path: ["sla", "breachAfterMinutes"],
        message: `must not exceed timeoutMinutes (${routing.timeoutMinutes})`,
      });
    }
    const spec: RoutingSpec = {
      approvers: routing.approvers,
      channels: routing.channels ?? [],
      timeoutMinutes: routing.timeoutMinutes,
      onTimeout: routing.onTimeout,
      rationale: routing.rationale ?? "required",
      sla: {
        atRiskAfterMinutes: atRisk,
        breachAfterMinutes: breach,
        escalateTo: routing.sla?.escalateTo ?? [],
        escalationChannels: routing.sla?.escalationChannels ?? [],
      },
    };
    return spec;
  });

const requirement = z
  .strictObject({
    approval: z.literal("human", { error: expecting("expected human") }).optional(),
    approvalRouting,
    channels: channels.optional(),
    rationale: rationale.optional(),
  })
  .transform(
    ({ approvalRouting: routing, channels: outer, rationale: outerRationale }): RoutingSpec => ({
      ...routing,
      channels: [...new Set([...(outer ?? []), ...routing.channels])],
      rationale: outerRationale ?? routing.rationale,
    }),
  );

// Conditions are compiled here with the engine's own compiler, so what loads is exactly what runs.
const when = z
  .record(z.string(), z.unknown(), { error: expecting("expected a map of conditions") })
  .superRefine((map, ctx) => {
    for (const [key, value] of Object.entries(map)) {
      try {
        compileCondition(key, value);
      } catch (e) {
        if (!(e instanceof ConditionError)) throw e;
        ctx.addIssue({ code: "custom", path: [key, ...e.at], message: e.message });
      }
    }
  });

const rule = z
  .strictObject({
    when,
    action: z.enum(["allow", "deny"], { error: expecting("expected allow or deny") }).optional(),
    require: requirement.optional(),
  })
  .transform((r, ctx): PolicyRule => {
    if ((r.action === undefined) === (r.require === undefined)) {
      ctx.addIssue({
        code: "custom",
        message: "give either action: allow|deny or require: {approval: human, …}",
      });
    }
    return r.require
      ? { when: r.when, action: "require", routing: r.require }
      : { when: r.when, action: r.action! };
  });

const toolPattern = z.string().regex(/^[A-Za-z0-9._*?-]+$/, { error: "expected a tool name or glob" });

// The short form. Its requireApproval names take their routing from toolPolicy.approvalRouting (same
// shape as a rule's, channels and rationale inside); without it they are refused with no_route.
const toolPolicy = z.strictObject({
  default: z.enum(["allow", "deny"], { error: expecting("expected allow or deny") }).optional(),
  allow: z.array(toolPattern).default([]),
  requireApproval: z.array(toolPattern).default([]),
  approvalRouting: approvalRouting.optional(),
});

const appliesTo = z
  .strictObject({
    agents: z
      .union(
        [
          z
            .array(name)
            .min(1, { error: "list at least one agent, or leave out appliesTo to apply to every agent" }),
          z.strictObject({ selector: z.strictObject({ matchLabels: labels }) }),
        ],
        { error: "expected a list of agent names or { selector: { matchLabels: … } }" },
      )
      .optional(),
  })
  .transform(({ agents }): PolicyResource["appliesTo"] => {
    if (agents === undefined) return {};
    return Array.isArray(agents) ? { agents } : { matchLabels: agents.selector.matchLabels };
  });

const toolSpec = z
  .strictObject({
    type: z.enum(["rest", "decision"], { error: expecting("expected rest or decision") }),
    endpoint: z
      .strictObject({
        url: z.url({ protocol: /^https?$/, error: expecting("expected an http(s) URL") }),
        method: z
          .string()
          .transform((m) => m.toUpperCase())
          .refine((m) => HTTP_METHODS.includes(m), { error: `expected one of ${HTTP_METHODS.join(", ")}` }),
        headers: z
          .record(z.string(), z.string({ error: expecting("expected a string header value") }))
          .default({}),
        timeoutMs: z
          .int({ error: expecting("expected a positive whole number of milliseconds") })
          .positive()
          .default(10_000),
      })
      .optional(),
    sideEffects: z.strictObject({
      level: z.enum(SIDE_EFFECT_LEVELS, {
        error: expecting(`expected one of ${SIDE_EFFECT_LEVELS.join(", ")}`),
      }),
      idempotent: z.boolean({ error: expecting("expected true or false") }).default(false),
      requiresApproval: z.boolean({ error: expecting("expected true or false") }).default(false),
    }),
    inputSchema: z
      .record(z.string(), z.unknown(), { error: expecting("expected a JSON Schema object") })
      .superRefine((schema, ctx) => {
        const problem = jsonSchemaProblem(schema);
        if (problem) ctx.addIssue({ code: "custom", message: `not a valid JSON Schema: ${problem}` });
      })
      .optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.type === "rest" && !spec.endpoint) {
      ctx.addIssue({ code: "custom", path: ["endpoint"], message: "required for a rest tool" });
    }
    if (spec.type === "decision" && spec.endpoint) {
      ctx.addIssue({ code: "custom", path: ["endpoint"], message: "a decision tool has no endpoint" });
    }
  });

function jsonSchemaProblem(schema: Record<string, unknown>): string | undefined {
  // A fresh Ajv each time: a shared one would reject two tools whose schemas reuse an $id.
  const ajv = addFormats(new Ajv({ allErrors: true }));
  try {
    ajv.compile(schema);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

const policySpec = z
  .strictObject({
    appliesTo: appliesTo.default({}),
    rules: z.array(rule).default([]),
    toolPolicy: toolPolicy.optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.rules.length === 0 && !spec.toolPolicy) {
      ctx.addIssue({ code: "custom", message: "a policy needs rules or a toolPolicy" });
    }
  });

const teamSpec = z
  .strictObject({
    members: z.array(person).default([]),
    slackUserGroup: z
      .string()
      .regex(/^S[A-Z0-9]+$/, { error: "expected a Slack user group id (S…)" })
      .optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.members.length === 0 && !spec.slackUserGroup) {
      ctx.addIssue({
        code: "custom",
        path: ["members"],
        message: "a team needs members or a slackUserGroup",
      });
    }
  });

const roleSpec = z.strictObject({
  grants: z.array(
    z.literal("approvals.override", { error: expecting("unknown grant (expected approvals.override)") }),
  ),
  members: z.array(person).min(1, { error: "list at least one member" }),
  maxOverridesPerDay: z
    .int({ error: expecting("expected a whole number") })
    .nonnegative()
    .default(3),
  notify: channels.default([]),
});

const metadata = z.strictObject({
  name,
  labels: labels.default({}),
  annotations: z.record(z.string(), z.string()).optional(),
  description: z.string().optional(),
});

function documentOf<K extends Kind, S extends z.ZodType>(kind: K, spec: S) {
  return z.strictObject({
    apiVersion: z.enum(API_VERSIONS, { error: expecting(API_VERSION_REASON) }),
    kind: z.literal(kind),
    metadata,
    spec,
  });
}

const documents = {
  Tool: documentOf("Tool", toolSpec).transform(
    ({ metadata: m, spec }): ParsedDocument => ({
      kind: "Tool",
      resource: {
        name: m.name,
        type: spec.type,
        ...(spec.endpoint && { endpoint: spec.endpoint }),
        sideEffects: spec.sideEffects,
        ...(spec.inputSchema && { inputSchema: spec.inputSchema }),
      },
    }),
  ),
  Policy: documentOf("Policy", policySpec).transform(
    ({ metadata: m, spec }): ParsedDocument => ({
      kind: "Policy",
      resource: {
        name: m.name,
        appliesTo: spec.appliesTo,
        rules: spec.rules,
        ...(spec.toolPolicy && {
          toolPolicy: {
            ...(spec.toolPolicy.default && { default: spec.toolPolicy.default }),
            allow: spec.toolPolicy.allow,
            requireApproval: spec.toolPolicy.requireApproval,
            ...(spec.toolPolicy.approvalRouting && { routing: spec.toolPolicy.approvalRouting }),
          },
        }),
      },
    }),
  ),
  Team: documentOf("Team", teamSpec).transform(
    ({ metadata: m, spec }): ParsedDocument => ({
      kind: "Team",
      resource: {
        name: m.name,
        members: spec.members,
        ...(spec.slackUserGroup && { slackUserGroup: spec.slackUserGroup }),
      },
    }),
  ),
  Role: documentOf("Role", roleSpec).transform(
    ({ metadata: m, spec }): ParsedDocument => ({ kind: "Role", resource: { name: m.name, ...spec } }),
  ),
  // An Agent is its metadata; spec is optional and has no fields yet.
  Agent: documentOf("Agent", z.strictObject({}).optional()).transform(
    ({ metadata: m }): ParsedDocument => ({ kind: "Agent", resource: { name: m.name, labels: m.labels } }),
  ),
};

/** Checks one parsed YAML document; on failure lists every problem found. */
export function validateDocument(raw: unknown): { document: ParsedDocument } | { problems: SchemaProblem[] } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return {
      problems: [{ path: [], reason: "expected a mapping with apiVersion, kind, metadata and spec" }],
    };
  }
  const { apiVersion, kind } = raw as Record<string, unknown>;
  if (!(KINDS as readonly unknown[]).includes(kind)) {
    const problems = [{ path: ["kind"], reason: `expected one of ${KINDS.join(", ")}` }];
    if (!(API_VERSIONS as readonly unknown[]).includes(apiVersion)) {
      problems.unshift({ path: ["apiVersion"], reason: API_VERSION_REASON });
    }
    return { problems };
  }
  const result = documents[kind as Kind].safeParse(raw, { error: describeIssue });
  return result.success ? { document: result.data } : { problems: flattenIssues(result.error.issues) };
}

/** Readable reasons for the issues no schema above words itself. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === "invalid_type") {
    if (issue.input === undefined) return "required";
    const got = Array.isArray(issue.input) ? "a list" : issue.input === null ? "nothing" : typeof issue.input;
    return `expected ${issue.expected === "object" ? "a mapping" : issue.expected}, got ${got}`;
  }
  if (issue.code === "invalid_value") return `expected ${issue.values.map(String).join(" or ")}`;
  return undefined;
}

function flattenIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: (string | number)[] = [],
): SchemaProblem[] {
  return issues.flatMap((issue): SchemaProblem[] => {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: [...path, key], reason: "unknown field" }));
    }
    if (issue.code === "invalid_union") {
      // Report the branch whose shape fits (a list vs a mapping); the other only says "wrong type".
      const fitting = issue.errors.filter(
        (branch) => !branch.some((i) => i.code === "invalid_type" && i.path.length === 0),
      );
      if (fitting.length === 1) return flattenIssues(fitting[0]!, path);
    }
    return [{ path, reason: issue.message }];
  });
}
