import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gatewayYaml } from "../test/helpers/gateway-resources.ts";
import { postgresBackend, pgliteBackend } from "./gateway/backends.ts";
import { agent, send } from "./gateway/client.ts";
import { withServer } from "./gateway/server.ts";
import { startTool } from "./gateway/tool-endpoint.ts";
const dir = mkdtempSync(path.join(tmpdir(), "cs-prof-"));
const tool = await startTool();
const resources = path.join(dir, "resources.yaml");
writeFileSync(resources, gatewayYaml(tool.url));
const b = process.env.PGLITE ? pgliteBackend() : (await postgresBackend())!;
const conc = Number(process.env.CONC ?? 1);
await withServer(b, resources, dir, async (s, k) => {
  const end = performance.now() + 6000;
  let n = 0;
  await Promise.all(Array.from({ length: conc }, async () => {
  while (performance.now() < end) {
    const r = await send(`${s.url}/v1/tool-calls`, "POST", k.agent, { tool: "ticket.triage", input: { ticket: "T-1" } });
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    n++;
  }}));
  console.log("calls", n);
});
await tool.close(); await b.drop(); agent.destroy();
