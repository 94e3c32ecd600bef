// Compiles one `when` entry into a predicate over a call. The resource loader compiles every condition
// with this same code, so what loads is exactly what runs.
//
// Semantics, beyond CONTRACT.md section 2:
// - A condition on a value that is absent (a missing input path, a label the agent lacks, a side-effect
//   fact of a pseudo-tool) never holds, whatever the operator: `{ne: USD}` does not match a call
//   without a currency. Rules speak about facts that are there.
// - A plain value is equality, except for `tool.name`, where it is a glob (`*` any run, `?` one
//   character). Operators compare exactly; `matches` is an unanchored regular expression, run by RE2
//   (re2js): linear time in the input, so an agent's 1 MiB string cannot stall the event loop every
//   agent shares. A pattern only a backtracking engine can run (backreferences, lookaround) is refused
//   when the resources load, naming the file and field.
// - Ordering operators (gt, gte, lt, lte) hold only for numbers: "100" is not greater than 50.
import { RE2JS } from "re2js";
import { type Field, fieldFor, OPERATORS, type Operator } from "./condition-fields.ts";
import type { PolicyRequest } from "./types.ts";

/** A `when` entry that cannot be compiled; `at` is the path below the key (e.g. ["matches"]). */
export class ConditionError extends Error {
  constructor(
    readonly at: string[],
    message: string,
  ) {
    super(message);
  }
}

type Test = (value: unknown) => boolean;
export type Match = (req: PolicyRequest) => boolean;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
  );
}

function equalTo(expected: unknown): Test {
  return typeof expected === "object" && expected !== null
    ? (v) => deepEqual(v, expected)
    : (v) => v === expected;
}

export function globToRegExp(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`);
}

function compileOperator(op: Operator, operand: unknown, field: Field): Test {
  const fail = (message: string) => new ConditionError([op], message);
  const checkOperand = (value: unknown) => {
    const problem = field.checkValue(value);
    if (problem) throw fail(problem);
  };
  switch (op) {
    case "eq":
      checkOperand(operand);
      return equalTo(operand);
    case "ne": {
      checkOperand(operand);
      const eq = equalTo(operand);
      return (v) => !eq(v);
    }
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      if (typeof operand !== "number" || !Number.isFinite(operand)) throw fail("expected a number");
      const n = operand;
      if (op === "gt") return (v) => typeof v === "number" && v > n;
      if (op === "gte") return (v) => typeof v === "number" && v >= n;
      if (op === "lt") return (v) => typeof v === "number" && v < n;
      return (v) => typeof v === "number" && v <= n;
    }
    case "in": {
      if (!Array.isArray(operand)) throw fail("expected a list");
      operand.forEach(checkOperand);
      const scalars = new Set(operand.filter((x) => typeof x !== "object" || x === null));
      const objects = operand.filter((x) => typeof x === "object" && x !== null);
      return objects.length === 0
        ? (v) => scalars.has(v)
        : (v) => scalars.has(v) || objects.some((o) => deepEqual(v, o));
    }
    case "matches": {
      if (typeof operand !== "string") throw fail("expected a regular expression string");
      let re: RE2JS;
      try {
        re = RE2JS.compile(operand);
      } catch (e) {
        try {
          new RegExp(operand);
        } catch (invalid) {
          throw fail(`invalid regular expression: ${(invalid as Error).message}`);
        }
        throw fail(
          `not supported by the linear-time engine (RE2): ${(e as Error).message} ` +
            "(backreferences and lookaround need backtracking, which an agent's input could make take forever)",
        );
      }
      return (v) => typeof v === "string" && re.test(v);
    }
  }
}

function compileValue(value: unknown, field: Field): Test {
  if (!isPlainObject(value)) {
    if (field.glob && typeof value === "string") {
      const re = globToRegExp(value);
      return (v) => typeof v === "string" && re.test(v);
    }
    const problem = field.checkValue(value);
    if (problem) throw new ConditionError([], problem);
    return equalTo(value);
  }
  const ops = Object.keys(value);
  if (ops.length === 0)
    throw new ConditionError([], `expected a value or an operator (${OPERATORS.join(", ")})`);
  const tests = ops.map((op) => {
    if (!(OPERATORS as readonly string[]).includes(op)) {
      throw new ConditionError([op], `unknown operator (expected one of ${OPERATORS.join(", ")})`);
    }
    if (!field.operators.includes(op as Operator)) {
      throw new ConditionError([op], `not available here (use one of ${field.operators.join(", ")})`);
    }
    return compileOperator(op as Operator, value[op], field);
  });
  return tests.length === 1 ? tests[0]! : (v) => tests.every((t) => t(v));
}

/** One `when` entry as a predicate; throws ConditionError for an unknown key, operator or bad operand. */
export function compileCondition(key: string, value: unknown): { aboutTool: boolean; holds: Match } {
  const field = fieldFor(key);
  if (!field) {
    throw new ConditionError(
      [],
      "unknown key (expected tool.name, tool.sideEffect, tool.idempotent, tool.type, agent.name, " +
        "agent.labels.<label> or input.<path>)",
    );
  }
  const test = compileValue(value, field);
  const read = field.read;
  return {
    aboutTool: field.aboutTool,
    holds: (req) => {
      const v = read(req);
      return v !== undefined && test(v);
    },
  };
}
