// Reaches an McpServer once, for `countersign resources validate`: its tools classified as the gateway
// would classify them, or why it could not be reached. The same connection code the server runs, with
// no retries and nothing logged.
import pino from "pino";
import type { McpServerResource } from "../../../model/resources.ts";
import type { McpServerView } from "../../../sdk/types.ts";
import { Upstream } from "./upstream.ts";
import { upstreamView } from "./view.ts";

export async function probeMcpServer(resource: McpServerResource): Promise<McpServerView> {
  const upstream = new Upstream(resource, {
    logger: pino({ level: "silent" }),
    backoffMs: 3_600_000,
    onTools: () => {},
    onNotification: () => {},
  });
  upstream.start();
  try {
    await upstream.connected().catch(() => {});
    const view = upstreamView(upstream);
    if (view.status === "connecting")
      view.error = `it did not connect within ${resource.connectTimeoutMs} ms`;
    return view;
  } finally {
    await upstream.stop();
  }
}
