// Colour for a terminal only: never when output is piped or redirected, never with NO_COLOR
// (https://no-color.org: any non-empty value). Plain text keeps the same words, so nothing depends on colour.
export interface Style {
  readonly color: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

export function createStyle(color: boolean): Style {
  if (!color) {
    const same = (s: string) => s;
    return { color, bold: same, dim: same, red: same, green: same, yellow: same, cyan: same };
  }
  return {
    color,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

export function wantsColor(isTTY: boolean | undefined, env: Record<string, string | undefined>): boolean {
  return isTTY === true && !env.NO_COLOR && env.TERM !== "dumb";
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\x1b\[[0-9;]*m/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, "");
}

/** The width a string takes on screen, escapes not counted. */
export function visibleWidth(s: string): number {
  return [...stripAnsi(s)].length;
}
