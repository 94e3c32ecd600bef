// One McpServer's connection on its own: a caller waits for one connection attempt, not the whole
// connect timeout, when the server cannot start; and is told why, in the server's own last words.
import { describe, expect, it } from "vitest";
import { createLogger } from "../../bot/logger.ts";
import { Upstream, UpstreamUnavailable } from "../../gateway/execute/mcp/upstream.ts";
import type { McpServerResource } from "../../model/resources.ts";

const failing: McpServerResource = {
  name: "flaky",
  transport: {
    type: "stdio",
    command: process.execPath,
    args: ["-e", "process.stderr.write('flaky: no licence file\\n'); process.exit(3)"],
    env: {},
  },
  tools: {},
  timeoutMs: 5_000,
  connectTimeoutMs: 60_000,
};

describe("an upstream that cannot start", () => {
  it("fails the caller as soon as the attempt fails, long before the connect timeout, saying why", async () => {
    const upstream = new Upstream(failing, {
      logger: createLogger("error"),
      backoffMs: 50,
      onTools: () => {},
      onNotification: () => {},
    });
    upstream.start();
    const asked = performance.now();
    try {
      const error = await upstream.connected().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(UpstreamUnavailable);
      expect((error as Error).message).toMatch(
        /^MCP server flaky is unavailable: the server process exited during start-up; its stderr ended with: flaky: no licence file \(since \S+; next attempt in \d+ s\)$/,
      );
      // One attempt: a node start and exit, even on a loaded machine, against a 60 s connect timeout.
      expect(performance.now() - asked).toBeLessThan(20_000);
      expect(upstream.status.status).toBe("unavailable");
    } finally {
      await upstream.stop();
    }
  });
});
