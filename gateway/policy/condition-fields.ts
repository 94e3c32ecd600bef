// The facts a `when` key can read from a call, and which operators and values each one accepts.
import { SIDE_EFFECT_LEVELS } from "../../model/resources.ts";
import type { PolicyRequest } from "./types.ts";

export const OPERATORS = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "matches"] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Field {
  read: (req: PolicyRequest) => unknown;
  /** Reads only facts of the tool, which are the same on every call to it. */
  aboutTool: boolean;
  operators: readonly Operator[];
  /** Says what is wrong with a value compared against this field, if anything. */
  checkValue: (value: unknown) => string | undefined;
  /** Plain values are globs rather than equality. */
  glob?: boolean;
}

const EQUALITY_OPS: readonly Operator[] = ["eq", "ne", "in"];
const STRING_OPS: readonly Operator[] = ["eq", "ne", "in", "matches"];

const anyValue = () => undefined;
const oneOf =
  (allowed: readonly unknown[], what: string) =>
  (value: unknown): string | undefined =>
    allowed.includes(value) ? undefined : `expected ${what} (one of ${allowed.join(", ")})`;
const aString = (value: unknown) => (typeof value === "string" ? undefined : "expected a string");

/** The field a `when` key names; undefined for a key no call has. */
export function fieldFor(key: string): Field | undefined {
  switch (key) {
    case "tool.name":
      return {
        read: (r) => r.tool.name,
        aboutTool: true,
        operators: STRING_OPS,
        checkValue: aString,
        glob: true,
      };
    case "tool.sideEffect":
      return {
        read: (r) => r.tool.sideEffects?.level,
        aboutTool: true,
        operators: EQUALITY_OPS,
        checkValue: oneOf(SIDE_EFFECT_LEVELS, "a side-effect level"),
      };
    case "tool.idempotent":
      return {
        read: (r) => r.tool.sideEffects?.idempotent,
        aboutTool: true,
        operators: EQUALITY_OPS,
        checkValue: oneOf([true, false], "a boolean"),
      };
    case "tool.type":
      return {
        read: (r) => ("type" in r.tool ? r.tool.type : undefined),
        aboutTool: true,
        operators: EQUALITY_OPS,
        checkValue: oneOf(["rest", "decision"], "a tool type"),
      };
    case "agent.name":
      return { read: (r) => r.agent.name, aboutTool: false, operators: STRING_OPS, checkValue: aString };
  }
  if (key.startsWith("agent.labels.") && key.length > "agent.labels.".length) {
    const label = key.slice("agent.labels.".length);
    return {
      read: (r) => (Object.hasOwn(r.agent.labels, label) ? r.agent.labels[label] : undefined),
      aboutTool: false,
      operators: STRING_OPS,
      checkValue: aString,
    };
  }
  if (key.startsWith("input.") && !key.split(".").slice(1).includes("")) {
    const keys = key.split(".").slice(1);
    return {
      read: (r) => readPath(r.input, keys),
      aboutTool: false,
      operators: OPERATORS,
      checkValue: anyValue,
    };
  }
  return undefined;
}

/** Follows object keys and array indices; anything not there is undefined (absent). */
function readPath(value: unknown, keys: readonly string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
