// The per-request logger is made only when a request logs: lines below the level cost nothing, and a
// line that is logged still carries the request's id.
import pino from "pino";
import { describe, expect, it } from "vitest";
import { lazyChildLogger } from "../../gateway/http/lazy-logger.ts";

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe("the lazy per-request logger", () => {
  it("writes lines at or above the level with the request's bindings, and drops the rest", () => {
    const { logger, lines } = capture("info");
    const child = lazyChildLogger(logger, { reqId: "req-7" }, {});
    child.debug({ route: "/v1/x" }, "below the level");
    expect(lines).toEqual([]);
    child.warn({ route: "/v1/x", status: 500 }, "request failed");
    child.info("done");
    expect(lines).toMatchObject([
      { level: 40, reqId: "req-7", route: "/v1/x", status: 500, msg: "request failed" },
      { level: 30, reqId: "req-7", msg: "done" },
    ]);
  });

  it("follows the parent's level and makes children of its own bindings", () => {
    const { logger, lines } = capture("warn");
    const child = lazyChildLogger(logger, { reqId: "req-8" }, {});
    expect(child.level).toBe("warn");
    child.info("dropped");
    child.child({ part: "mcp" }).error("broken");
    expect(lines).toMatchObject([{ level: 50, reqId: "req-8", part: "mcp", msg: "broken" }]);
    child.level = "debug";
    child.debug("now shown");
    expect(lines.at(-1)).toMatchObject({ level: 20, reqId: "req-8", msg: "now shown" });
  });
});
