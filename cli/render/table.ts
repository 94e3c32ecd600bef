// Aligned columns that survive colour: widths are measured on the visible text.
import { visibleWidth } from "./style.ts";

export function table(header: string[], rows: string[][], gap = "  "): string[] {
  const widths = header.map((h, i) =>
    Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? ""))),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i]! - visibleWidth(c))))
      .join(gap)
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
