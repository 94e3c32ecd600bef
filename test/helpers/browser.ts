// Debian's Chromium driven by playwright-core, for the console's browser tests: one browser per test
// file, headless, with a fresh profile (playwright's launch gives each browser an empty user-data-dir).
// Where no browser is installed, `browserOrSkip` answers why, and the file skips with that one reason.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";

const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];

export const CHROMIUM = CANDIDATES.find((p): p is string => !!p && existsSync(p));

/** Why browser tests skip here, or undefined when a browser was found. */
export const NO_BROWSER = CHROMIUM
  ? undefined
  : "no Chromium found (apt-get install -y chromium, or set CHROMIUM_PATH): the browser tests are skipped";

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM!,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** Screenshots and other files a run leaves behind (gitignored). */
export const ARTIFACTS = path.resolve(import.meta.dirname, "../browser/.artifacts");

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * axe-core's serious and critical violations on the page as it stands. The script is evaluated through
 * the DevTools protocol, which the page's Content-Security-Policy does not govern (a <script> tag would be
 * refused by it, as it should be).
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is the global the evaluated source defines
    const result = await (window as any).axe.run(document, { resultTypes: ["violations"] });
    // biome-ignore lint/suspicious/noExplicitAny: axe's result shape
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      // biome-ignore lint/suspicious/noExplicitAny: axe's result shape
      nodes: v.nodes.map((n: any) => n.target.join(" ")),
    }));
  });
  return (found as AxeViolation[]).filter((v) => v.impact === "serious" || v.impact === "critical");
}
