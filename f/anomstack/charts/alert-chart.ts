// The alert plot as an SVG string (pure, no I/O): the metric's recent values on top with the expected
// range and any static bounds, the alert's score below with its threshold line, alert / change /
// threshold / LLM points marked, and the alert's time highlighted across both panels (redrawn).
// png.ts rasterises it; the layout is sized for an email column (640 logical pixels).
//nobundling
import type { AlertKind, ExpectedRange, SeriesPoint } from "../alerts/channel.ts";
import { formatScore, formatTick, formatValue, niceTicks } from "../core/numbers.ts";

export interface PlotInput {
  /** Usually the metric name. */
  title: string;
  /** Grey line under the title, e.g. "batch · anomaly alert · 2026-03-01 12:00 UTC". */
  subtitle?: string;
  /** Oldest first. */
  points: readonly SeriesPoint[];
  /** Label of the lower panel; absent (or no scored point) = value panel only. */
  scoreLabel?: string;
  scoreThreshold?: number;
  bounds?: { upper?: number; lower?: number };
  expected?: ExpectedRange;
  /** Timestamp (epoch ms) of the alerting point. */
  highlight?: number;
}

/** Logical size; png.ts renders it at 2x for sharp text on high-density screens. */
export const PLOT_WIDTH = 640;

const FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif";
const COLORS = {
  text: "#111827",
  muted: "#6b7280",
  grid: "#e5e7eb",
  axis: "#9ca3af",
  value: "#2563eb",
  score: "#0d9488",
  expected: "#10b981",
  bound: "#dc2626",
  highlight: "#dc2626",
};
/** Marker colour and shape per alert kind. */
export const MARKS: Record<AlertKind, { color: string; label: string }> = {
  anomaly: { color: "#dc2626", label: "anomaly alert" },
  change: { color: "#f59e0b", label: "change" },
  threshold: { color: "#7c3aed", label: "threshold breach" },
  llm: { color: "#db2777", label: "LLM alert" },
};

const LEFT = 58;
const RIGHT = 20;
const VALUE_TOP = 56;

/** Escape text for SVG. */
function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Approximate rendered width of `s` in DejaVu Sans at `size` px (average advance ≈ 0.6 em). */
function textWidth(s: string, size: number): number {
  return s.length * size * 0.6;
}

function text(x: number, y: number, s: string, o: { size?: number; color?: string; anchor?: string; weight?: string } = {}): string {
  return `<text x="${r(x)}" y="${r(y)}" font-family="${FONT}" font-size="${o.size ?? 11}" fill="${o.color ?? COLORS.muted}"${
    o.anchor ? ` text-anchor="${o.anchor}"` : ""
  }${o.weight ? ` font-weight="${o.weight}"` : ""}>${esc(s)}</text>`;
}

/** Round to 0.1 px: shorter SVG, same picture. */
function r(v: number): string {
  return String(Math.round(v * 10) / 10);
}

function marker(kind: AlertKind, x: number, y: number): string {
  const c = MARKS[kind].color;
  const stroke = `stroke="#ffffff" stroke-width="1.2"`;
  switch (kind) {
    case "anomaly":
      return `<circle cx="${r(x)}" cy="${r(y)}" r="4.5" fill="${c}" ${stroke}/>`;
    case "change":
      return `<path d="M${r(x)} ${r(y - 5.5)}L${r(x + 5.5)} ${r(y)}L${r(x)} ${r(y + 5.5)}L${r(x - 5.5)} ${r(y)}Z" fill="${c}" ${stroke}/>`;
    case "threshold":
      return `<path d="M${r(x)} ${r(y - 5.5)}L${r(x + 5.5)} ${r(y + 4.5)}L${r(x - 5.5)} ${r(y + 4.5)}Z" fill="${c}" ${stroke}/>`;
    case "llm":
      return `<rect x="${r(x - 4.2)}" y="${r(y - 4.2)}" width="8.4" height="8.4" fill="${c}" ${stroke}/>`;
  }
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
];

/** Round UTC times for the x axis: at most `max` ticks, labelled by time of day or by date. */
export function timeTicks(t0: number, t1: number, max: number): { t: number; label: string }[] {
  const span = Math.max(t1 - t0, MINUTE);
  const step = TIME_STEPS.find((s) => span / s <= max) ?? Math.ceil(span / max / DAY) * DAY;
  const ticks: { t: number; label: string }[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const iso = new Date(t).toISOString();
    const first = ticks.length === 0;
    const midnight = t % DAY === 0;
    const label =
      step >= DAY ? iso.slice(0, 10) : first || midnight || span > 2 * DAY ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
    ticks.push({ t, label });
  }
  return ticks;
}

/** Polylines of (x, y) pairs, broken where y is null. */
function paths(xy: [number, number | null][]): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const [x, y] of xy) {
    if (y === null) {
      if (cur.length) out.push(cur.join(" "));
      cur = [];
    } else cur.push(`${r(x)},${r(y)}`);
  }
  if (cur.length) out.push(cur.join(" "));
  return out;
}

/** The alert plot as a standalone SVG document. */
export function alertPlotSvg(input: PlotInput): string {
  const pts = input.points;
  const W = PLOT_WIDTH;
  const right = W - RIGHT;
  const plotW = right - LEFT;
  const scored = pts.filter((p) => p.score !== null && Number.isFinite(p.score));
  const hasScore = input.scoreLabel !== undefined && scored.length > 0;
  const valueBottom = hasScore ? 232 : 300;
  const scoreTop = 262;
  const scoreBottom = 336;
  const axisY = (hasScore ? scoreBottom : valueBottom) + 16;
  const kinds = [...new Set(pts.flatMap((p) => p.marks))].sort((a, b) => Object.keys(MARKS).indexOf(a) - Object.keys(MARKS).indexOf(b));
  const legendY = axisY + 24;
  let svgHeight = legendY + 12;
  const out: string[] = [];
  out.push(text(LEFT - 40, 24, input.title, { size: 16, color: COLORS.text, weight: "bold" }));
  if (input.subtitle) out.push(text(LEFT - 40, 42, input.subtitle, { size: 11 }));

  if (pts.length === 0) {
    out.push(text(W / 2, (VALUE_TOP + valueBottom) / 2, "no data in the plot window", { anchor: "middle", size: 12 }));
    return wrapSvg(W, svgHeight, out);
  }

  // x scale (time)
  const t0 = pts[0].timestamp;
  const t1 = pts[pts.length - 1].timestamp;
  const x = (t: number) => (t1 === t0 ? LEFT + plotW / 2 : LEFT + ((t - t0) / (t1 - t0)) * plotW);

  // value panel y scale: values, bounds and the expected band all visible
  const vals = pts.map((p) => p.value);
  const extra = [input.bounds?.upper, input.bounds?.lower, input.expected?.lower, input.expected?.upper].filter(
    (v): v is number => v !== undefined && Number.isFinite(v),
  );
  let vmin = Math.min(...vals, ...extra);
  let vmax = Math.max(...vals, ...extra);
  const pad = vmax > vmin ? (vmax - vmin) * 0.08 : Math.abs(vmax) * 0.1 || 1;
  vmin -= pad;
  vmax += pad;
  const vt = niceTicks(vmin, vmax, 4);
  vmin = Math.min(vmin, vt.ticks[0] ?? vmin);
  vmax = Math.max(vmax, vt.ticks[vt.ticks.length - 1] ?? vmax);
  const vy = (v: number) => valueBottom - ((v - vmin) / (vmax - vmin)) * (valueBottom - VALUE_TOP);

  // value panel: grid, expected band, bounds, line, marks
  for (const t of vt.ticks) {
    out.push(`<line x1="${LEFT}" x2="${right}" y1="${r(vy(t))}" y2="${r(vy(t))}" stroke="${COLORS.grid}" stroke-width="1"/>`);
    out.push(text(LEFT - 8, vy(t) + 4, formatTick(t, vt.step), { anchor: "end", size: 10 }));
  }
  if (input.expected) {
    const top = vy(input.expected.upper);
    const bottom = vy(input.expected.lower);
    const x0 = input.expected.from !== undefined && input.expected.from > t0 ? x(input.expected.from) : LEFT;
    out.push(
      `<rect x="${r(x0)}" y="${r(top)}" width="${r(right - x0)}" height="${r(Math.max(1, bottom - top))}" fill="${COLORS.expected}" fill-opacity="0.14"/>`,
    );
  }
  for (const [name, b] of [
    ["upper", input.bounds?.upper],
    ["lower", input.bounds?.lower],
  ] as const) {
    if (b === undefined) continue;
    out.push(
      `<line x1="${LEFT}" x2="${right}" y1="${r(vy(b))}" y2="${r(vy(b))}" stroke="${COLORS.bound}" stroke-width="1.2" stroke-dasharray="6 4"/>`,
    );
    const label = `${name} bound ${formatValue(b)}`;
    out.push(text(LEFT + 6, vy(b) + (name === "upper" ? -5 : 13), label, { size: 10, color: COLORS.bound }));
  }
  if (input.highlight !== undefined && input.highlight >= t0 && input.highlight <= t1) {
    const hx = x(input.highlight);
    const bottom = hasScore ? scoreBottom : valueBottom;
    out.push(
      `<line x1="${r(hx)}" x2="${r(hx)}" y1="${VALUE_TOP - 4}" y2="${bottom}" stroke="${COLORS.highlight}" stroke-opacity="0.35" stroke-width="1.5" stroke-dasharray="3 3"/>`,
    );
  }
  for (const line of paths(pts.map((p) => [x(p.timestamp), vy(p.value)]))) {
    out.push(`<polyline points="${line}" fill="none" stroke="${COLORS.value}" stroke-width="1.8" stroke-linejoin="round" stroke-linecap="round"/>`);
  }
  for (const p of pts) for (const k of p.marks) out.push(marker(k, x(p.timestamp), vy(p.value)));
  if (input.highlight !== undefined) {
    const h = pts.find((p) => p.timestamp === input.highlight);
    if (h) {
      const label = formatValue(h.value);
      const hx = x(h.timestamp);
      const anchorEnd = hx + textWidth(label, 11) + 10 > right;
      const ly = Math.max(VALUE_TOP + 10, vy(h.value) - 9);
      out.push(text(anchorEnd ? hx - 8 : hx + 8, ly, label, { anchor: anchorEnd ? "end" : "start", size: 11, color: COLORS.text, weight: "bold" }));
    }
  }
  out.push(`<line x1="${LEFT}" x2="${LEFT}" y1="${VALUE_TOP}" y2="${valueBottom}" stroke="${COLORS.axis}" stroke-width="1"/>`);
  out.push(`<line x1="${LEFT}" x2="${right}" y1="${valueBottom}" y2="${valueBottom}" stroke="${COLORS.axis}" stroke-width="1"/>`);

  // score panel
  if (hasScore) {
    const thr = input.scoreThreshold;
    const maxScore = Math.max(...scored.map((p) => p.score as number));
    // Probabilities keep [0, 1]; MAD scores can be huge (or 1.8e308 when MAD = 0): cap the axis at 4x the threshold.
    let smax = 1;
    if (maxScore > 1 || (thr ?? 0) > 1) {
      const cap = thr !== undefined && thr > 0 ? thr * 4 : maxScore;
      smax = Math.max(Math.min(maxScore, cap) * 1.1, (thr ?? 0) * 1.3, 1);
    }
    const sy = (s: number) => scoreBottom - (Math.min(Math.max(s, 0), smax) / smax) * (scoreBottom - scoreTop);
    out.push(text(LEFT + 4, scoreTop - 8, input.scoreLabel ?? "", { size: 11, color: COLORS.score, weight: "bold" }));
    const st = niceTicks(0, smax, 2);
    for (const t of st.ticks) {
      if (t > smax + 1e-9) continue;
      out.push(`<line x1="${LEFT}" x2="${right}" y1="${r(sy(t))}" y2="${r(sy(t))}" stroke="${COLORS.grid}" stroke-width="1"/>`);
      out.push(text(LEFT - 8, sy(t) + 4, formatTick(t, st.step), { anchor: "end", size: 10 }));
    }
    const xy: [number, number | null][] = pts.map((p) => [x(p.timestamp), p.score === null || !Number.isFinite(p.score) ? null : sy(p.score)]);
    for (const line of paths(xy)) {
      const coords = line.split(" ");
      const firstX = coords[0].split(",")[0];
      const lastX = coords[coords.length - 1].split(",")[0];
      out.push(`<polygon points="${firstX},${scoreBottom} ${line} ${lastX},${scoreBottom}" fill="${COLORS.score}" fill-opacity="0.12"/>`);
      out.push(`<polyline points="${line}" fill="none" stroke="${COLORS.score}" stroke-width="1.6" stroke-linejoin="round"/>`);
    }
    if (thr !== undefined) {
      out.push(
        `<line x1="${LEFT}" x2="${right}" y1="${r(sy(thr))}" y2="${r(sy(thr))}" stroke="${COLORS.muted}" stroke-width="1.2" stroke-dasharray="6 4"/>`,
      );
      out.push(text(LEFT + 6, sy(thr) - 5, `threshold ${formatScore(thr)}`, { size: 10, color: COLORS.text }));
    }
    for (const p of pts) {
      if (p.score === null || !Number.isFinite(p.score)) continue;
      if (p.marks.includes("anomaly") || p.marks.includes("llm") || p.marks.includes("change")) {
        const kind = p.marks.find((k) => k !== "threshold") as AlertKind;
        out.push(`<circle cx="${r(x(p.timestamp))}" cy="${r(sy(p.score))}" r="3.2" fill="${MARKS[kind].color}"/>`);
      }
    }
    out.push(`<line x1="${LEFT}" x2="${LEFT}" y1="${scoreTop}" y2="${scoreBottom}" stroke="${COLORS.axis}" stroke-width="1"/>`);
    out.push(`<line x1="${LEFT}" x2="${right}" y1="${scoreBottom}" y2="${scoreBottom}" stroke="${COLORS.axis}" stroke-width="1"/>`);
  }

  // x axis labels (UTC)
  const maxTicks = Math.max(2, Math.floor(plotW / 110));
  for (const tick of timeTicks(t0, t1, maxTicks)) {
    const tx = x(tick.t);
    out.push(`<line x1="${r(tx)}" x2="${r(tx)}" y1="${axisY - 16}" y2="${axisY - 12}" stroke="${COLORS.axis}" stroke-width="1"/>`);
    out.push(text(tx, axisY, tick.label, { anchor: "middle", size: 10 }));
  }

  // legend (wrapped into rows that fit the width)
  const lineSwatch =
    (color: string, dash = "") =>
    (x0: number, y0: number) =>
      `<line x1="${r(x0)}" x2="${r(x0 + 18)}" y1="${y0}" y2="${y0}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`;
  const items: [(x: number, y: number) => string, string][] = [[lineSwatch(COLORS.value), "value"]];
  if (input.expected) {
    items.push([
      (x0, y0) => `<rect x="${r(x0)}" y="${y0 - 5}" width="18" height="10" fill="${COLORS.expected}" fill-opacity="0.25"/>`,
      "expected range",
    ]);
  }
  if (input.bounds) items.push([lineSwatch(COLORS.bound, "5 3"), "bound"]);
  if (hasScore) items.push([lineSwatch(COLORS.score), "score"]);
  if (hasScore && input.scoreThreshold !== undefined) items.push([lineSwatch(COLORS.muted, "5 3"), "threshold"]);
  for (const k of kinds) items.push([(x0, y0) => marker(k, x0 + 9, y0), MARKS[k].label]);
  let lx = LEFT;
  let ly = legendY;
  for (const [swatch, label] of items) {
    const w = 24 + textWidth(label, 10) + 12;
    if (lx > LEFT && lx + w - 12 > right) {
      lx = LEFT;
      ly += 18;
    }
    out.push(swatch(lx, ly));
    out.push(text(lx + 24, ly + 4, label, { size: 10, color: COLORS.text }));
    lx += w;
  }
  svgHeight = ly + 12;
  return wrapSvg(W, svgHeight, out);
}

function wrapSvg(w: number, h: number, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><rect width="${w}" height="${h}" fill="#ffffff"/>${body.join("")}</svg>`;
}
