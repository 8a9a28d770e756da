// The dashboard's time window: the newest N points of each metric, or a time span before now.
// `90n` = the newest 90 points, `45m` / `24h` / `7d` = the last 45 minutes / 24 hours / 7 days; a bare N means `Nn`. Pure.
//nobundling
import { DashboardInputError } from "./errors.ts";

export const DEFAULT_WINDOW = "90n";
/** Largest `Nn` window (points per metric). */
export const MAX_POINTS = 100_000;
/** Largest time window, in days. */
export const MAX_DAYS = 3_650;

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export interface Window {
  /** The window written canonically, e.g. "90n", "24h". */
  spec: string;
  /** Newest points per metric (for `Nn`). */
  lastN?: number;
  /** Oldest time included (for `Nm`/`Nh`/`Nd`). */
  cutoff?: Date;
}

const HINT = "use <N>n for the newest N points of each metric (e.g. 90n), or <N>m, <N>h, <N>d for the last minutes, hours or days (45m, 24h, 7d)";

/**
 * Parse a window spec relative to `now`.
 * @example parseWindow("24h", new Date("2024-01-02T00:00:00Z")).cutoff // => 2024-01-01T00:00:00.000Z
 * @example parseWindow("", now) // => { spec: "90n", lastN: 90 }
 * @throws DashboardInputError naming the field `window` for anything else.
 */
export function parseWindow(spec: unknown, now: Date): Window {
  if (spec !== undefined && spec !== null && typeof spec !== "string")
    throw new DashboardInputError("window", `expected a string such as "90n", got ${typeof spec}`);
  const raw = (spec ?? "").trim();
  if (raw === "") return { spec: DEFAULT_WINDOW, lastN: 90 };
  const m = /^(\d{1,9})([nNmhd]?)$/.exec(raw);
  if (!m) throw new DashboardInputError("window", `"${raw.slice(0, 40)}" is not a window; ${HINT}`);
  const n = Number(m[1]);
  const unit = (m[2] || "n").toLowerCase() as "n" | "m" | "h" | "d";
  if (n < 1) throw new DashboardInputError("window", `"${raw}" is empty; ${HINT}`);
  if (unit === "n") {
    if (n > MAX_POINTS) throw new DashboardInputError("window", `"${raw}" asks for more than ${MAX_POINTS} points per metric`);
    return { spec: `${n}n`, lastN: n };
  }
  const ms = n * UNIT_MS[unit];
  if (ms > MAX_DAYS * UNIT_MS.d) throw new DashboardInputError("window", `"${raw}" is longer than ${MAX_DAYS} days`);
  return { spec: `${n}${unit}`, cutoff: new Date(now.getTime() - ms) };
}
