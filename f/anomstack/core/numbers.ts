// Number formatting shared by the plot and the messages, independent of the machine's locale so every
// channel and every worker prints the same text. Pure.
//nobundling

/** Insert thousands separators in the integer part of a plain decimal string. */
function group(s: string): string {
  const [int, frac] = s.split(".");
  const sign = int.startsWith("-") ? "-" : "";
  const digits = sign ? int.slice(1) : int;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${grouped}${frac !== undefined ? `.${frac}` : ""}`;
}

/** Fixed decimals with trailing zeros (and a bare point) removed; "-0" becomes "0". */
function trimmed(v: number, decimals: number): string {
  const s = v
    .toFixed(decimals)
    .replace(/(\.\d*?)0+$/, "$1")
    .replace(/\.$/, "");
  return s === "-0" ? "0" : s;
}

/**
 * A metric value as stored (up to 4 decimals), with thousands separators; huge values in exponent form.
 * @example formatValue(12345.6789) // => "12,345.6789"
 * @example formatValue(0.5) // => "0.5"
 */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1e15) return v.toExponential(3);
  if (v !== 0 && Math.abs(v) < 1e-4) return v.toExponential(2);
  return group(trimmed(v, 4));
}

/**
 * A score: 2 decimals below 100, whole numbers up to a million, exponent form above.
 * @example formatScore(0.91234) // => "0.91"
 * @example formatScore(1.7976931348623157e308) // => "1.8e+308"
 */
export function formatScore(s: number): string {
  if (!Number.isFinite(s)) return String(s);
  if (Math.abs(s) >= 1e6) return s.toExponential(1);
  if (Math.abs(s) >= 100) return group(s.toFixed(0));
  return s.toFixed(2);
}

/**
 * An axis tick: compact (k, M, G) and with as many decimals as the tick step needs.
 * @example formatTick(2500, 500) // => "2.5k"
 * @example formatTick(0.25, 0.05) // => "0.25"
 */
export function formatTick(v: number, step: number): string {
  const a = Math.abs(v);
  for (const [unit, div] of [
    ["G", 1e9],
    ["M", 1e6],
    ["k", 1e3],
  ] as const) {
    if (a >= div) return `${trimmed(v / div, Math.max(0, decimalsFor(step / div)))}${unit}`;
  }
  return trimmed(v, Math.max(0, decimalsFor(step)));
}

/** Decimals needed to show multiples of `step` exactly (at most 6). */
function decimalsFor(step: number): number {
  if (!(step > 0)) return 0;
  return Math.min(6, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)));
}

/**
 * Round tick positions covering [min, max] with about `count` ticks (steps of 1, 2, 2.5 or 5 × 10^k).
 * @example niceTicks(0, 10, 5) // => { step: 2, ticks: [0, 2, 4, 6, 8, 10] }
 */
export function niceTicks(min: number, max: number, count: number): { step: number; ticks: number[] } {
  if (!(max > min)) {
    const d = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    return niceTicks(min - d, max + d, count);
  }
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.ceil(min / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let t = first; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toFixed(12)));
  return { step, ticks };
}
