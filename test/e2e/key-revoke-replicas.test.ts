// A key revoked on one server process is refused by another within a second, even right after that
// process authenticated it (and so holds it in its authentication cache): the revocation is NOTIFYed to
// every process sharing the database.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend } from "../helpers/db.ts";
import { gatewayYaml } from "../helpers/gateway-resources.ts";
import { callServer as call, type ServerFixture, serverFixture } from "../helpers/server-fixture.ts";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.ts";

const ADMIN_KEY = "key-revoke-admin-key-0123456789ab";

describe.skipIf(backend !== "postgres")(
  "key revocation across two processes (PostgreSQL only: PGlite is one process)",
  () => {
    let fixture: ServerFixture;
    let a: ServerProcess;
    let b: ServerProcess;

    beforeAll(async () => {
      fixture = await serverFixture("revoke", gatewayYaml("http://127.0.0.1:9"), ADMIN_KEY);
      const { env, dir } = fixture;
      [a, b] = await Promise.all([
        startServerProcess({ ...env, COUNTERSIGN_DATA_DIR: path.join(dir, "a") }),
        startServerProcess({ ...env, COUNTERSIGN_DATA_DIR: path.join(dir, "b") }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await fixture?.remove();
    });

    it("refuses a key revoked on A on B within a second, though B had just accepted it", async () => {
      for (let round = 0; round < 5; round++) {
        const created = await call("POST", `${a.url}/v1/keys`, ADMIN_KEY, {
          operator: `op${round}@example.com`,
        });
        const { id, key } = created.body;
        expect((await call("GET", `${b.url}/v1/approvals`, key)).status).toBe(200);
        const revokedAt = Date.now();
        expect((await call("DELETE", `${a.url}/v1/keys/${id}`, ADMIN_KEY)).status).toBe(200);
        let refused: { status: number; body: { error?: { message: string } } } | undefined;
        while (Date.now() - revokedAt < 2_000) {
          const res = await call("GET", `${b.url}/v1/approvals`, key);
          if (res.status === 401) {
            refused = res;
            break;
          }
          await new Promise((r) => setTimeout(r, 10));
        }
        const took = Date.now() - revokedAt;
        expect(refused?.body.error?.message, `round ${round}: still accepted after ${took} ms`).toMatch(
          /^the API key was revoked at /,
        );
        expect(took, `round ${round}`).toBeLessThan(1_000);
      }
    }, 60_000);
  },
);
