// The domain and the renderers know no platform SDK and no database driver: handlers/ and blocks/ import
// no @slack/*, botbuilder, nodemailer or pg, so swapping a platform SDK touches one folder of bot/.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const FORBIDDEN = /^(@slack\/|botbuilder|botframework-|nodemailer$|pg$|pg\/)/;
/** botbuilder is out of support upstream: only bot/teams/ may import it, so its successor replaces one folder. */
const BOT_FRAMEWORK = /^(botbuilder|botframework-)/;

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(dir, f));
}

function imports(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  return [
    ...text.matchAll(/(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => (m[1] ?? m[2])!);
}

describe("boundaries", () => {
  for (const dir of ["handlers", "blocks", "bot/commands"]) {
    it(`${dir}/ imports no platform SDK or database driver`, () => {
      const files = sources(dir);
      expect(files.length).toBeGreaterThan(0);
      const offending = files.flatMap((f) =>
        imports(f)
          .filter((i) => FORBIDDEN.test(i))
          .map((i) => `${f}: ${i}`),
      );
      expect(offending).toEqual([]);
    });
  }

  it("only bot/teams/ imports botbuilder or another Bot Framework package", () => {
    const files = [
      "bot",
      "handlers",
      "blocks",
      "gateway",
      "db",
      "cli",
      "sdk",
      "bench",
      "demo",
      "test",
    ].flatMap((d) => sources(d));
    const offending = files
      .filter((f) => !f.startsWith(path.join("bot", "teams") + path.sep))
      .flatMap((f) =>
        imports(f)
          .filter((i) => BOT_FRAMEWORK.test(i))
          .map((i) => `${f}: ${i}`),
      );
    expect(offending).toEqual([]);
    expect(imports("bot/teams/adapter.ts").some((i) => BOT_FRAMEWORK.test(i))).toBe(true);
  });

  it("would catch an offending import", () => {
    expect(imports("bot/slack/web.ts").some((i) => FORBIDDEN.test(i))).toBe(true);
  });
});
