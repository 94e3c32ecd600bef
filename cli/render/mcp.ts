// An McpServer and its tools as the terminal shows them (`resources validate`, `describe mcp`): whether
// it is reached, and for each tool the Tool policies judge — its side effects and where they came from.
import type { McpServerView, McpToolView } from "../../sdk/types.ts";
import { printable } from "./printable.ts";
import type { Style } from "./style.ts";
import { table } from "./table.ts";

export function mcpServerLines(v: McpServerView, style: Style): string[] {
  const name = style.bold(`McpServer ${v.name}`);
  const lines = [`${name} (${printable(v.transport)}): ${state(v, style)}`];
  if (v.status !== "connected" && v.tools.length === 0) {
    lines.push("  its tools are classified once Countersign reaches it");
  }
  if (v.tools.length > 0) {
    lines.push(
      ...table(
        ["TOOL", "SIDE EFFECT", "IDEMPOTENT", "APPROVAL", "CLASSIFIED BY"].map(style.dim),
        v.tools.map((t) => [
          printable(t.name),
          t.sideEffects.level,
          t.sideEffects.idempotent ? "yes" : "no",
          t.sideEffects.requiresApproval ? "required" : "by policy",
          basis(t),
        ]),
      ).map((line) => `  ${line}`),
    );
  }
  if (v.unknownOverrides.length > 0) {
    lines.push(
      style.yellow(
        `  spec.tools names tools the server does not list: ${v.unknownOverrides.map(printable).join(", ")}`,
      ),
    );
  }
  return lines;
}

function state(v: McpServerView, style: Style): string {
  switch (v.status) {
    case "connected": {
      const server = v.server ? `, server ${printable(v.server.name)} ${printable(v.server.version)}` : "";
      const restarts = v.restarts > 0 ? `, ${v.restarts} restart${v.restarts === 1 ? "" : "s"}` : "";
      return `${style.green("connected")} since ${v.since}${server}${restarts}; ${v.tools.length} tool${v.tools.length === 1 ? "" : "s"}`;
    }
    case "stopped":
      return "stopped";
    default:
      return `${style.red(v.status === "connecting" ? "not reached yet" : "unavailable")}: ${printable(v.error ?? "no answer yet")}`;
  }
}

/** Where a tool's side effects came from, in words. */
function basis(t: McpToolView): string {
  if (t.classifiedBy === "override") return "spec.tools";
  const h = t.hints;
  if (h.readOnlyHint === true) return "readOnlyHint";
  const said = [
    h.destructiveHint === false ? "destructiveHint: false" : undefined,
    h.idempotentHint === true ? "idempotentHint" : undefined,
  ].filter(Boolean);
  return said.length > 0 ? said.join(", ") : "no hints: fail-safe";
}
