// Number, percentage and time formatting for the dashboard.
export function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

export function num(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1e6 || (a > 0 && a < 1e-3)) return v.toExponential(2);
  if (a >= 1000) return v.toLocaleString("en-US", { maximumFractionDigits: 1 });
  return String(Number(v.toPrecision(4)));
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `YYYY-MM-DD HH:MM:SS` in the viewer's time zone. */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "just now", "5 minutes ago", "3 hours ago", "2 days ago" (of `iso` as seen at `nowIso`). */
export function timeAgo(iso: string, nowIso: string): string {
  const s = Math.max(0, (Date.parse(nowIso) - Date.parse(iso)) / 1000);
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"} ago`;
  if (s >= 86_400) return plural(Math.floor(s / 86_400), "day");
  if (s >= 3_600) return plural(Math.floor(s / 3_600), "hour");
  if (s >= 60) return plural(Math.floor(s / 60), "minute");
  return "just now";
}
