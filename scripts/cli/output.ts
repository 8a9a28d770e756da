// Terminal output helpers of the CLI: tables, progress lines, number formatting.
import Table from "cli-table3";
import { InvalidArgumentError } from "commander";

/** A plain table (no colours, so logs and CI stay readable). */
export function table(head: string[], rows: (string | number)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const r of rows) t.push(r.map((c) => String(c)));
  return t.toString();
}

/** Aligned columns without borders, one line per row (for lists read line by line, e.g. with grep). */
export function columns(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** A progress reporter on stderr: rewrites one line on a terminal, prints every 10% otherwise. */
export function progress(label: string): (done: number, total: number, detail?: string) => void {
  let lastDecile = -1;
  return (done, total, detail) => {
    const pct = total ? Math.floor((done / total) * 100) : 100;
    const line = `${label}: ${done}/${total} (${pct}%)${detail ? ` ${detail}` : ""}`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${line.padEnd(78)}${done === total ? "\n" : ""}`);
    } else if (Math.floor(pct / 10) !== lastDecile || done === total) {
      lastDecile = Math.floor(pct / 10);
      process.stderr.write(`${line}\n`);
    }
  };
}

export function fmt(x: unknown, digits = 3): string {
  if (typeof x !== "number") return x === null || x === undefined ? "" : String(x);
  if (!Number.isFinite(x)) return String(x);
  return String(Math.round(x * 10 ** digits) / 10 ** digits);
}

export function fmtTime(d: Date | string | number): string {
  const date = d instanceof Date ? d : new Date(d);
  return date.toISOString().slice(0, 16).replace("T", " ");
}

/** Commander parser for options that take a positive integer. */
export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive integer");
  return n;
}
