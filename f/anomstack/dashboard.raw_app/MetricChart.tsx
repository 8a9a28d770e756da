// One metric's chart (uPlot): the value line on the left axis, the anomaly score (dotted) on a 0-100 %
// right axis, and markers on the value line for anomaly alerts (circle), LLM alerts (diamond), changes
// (triangle) and threshold alerts (square). Hovering shows the point, its flags and the LLM explanation.
import type React from "react";
import { useLayoutEffect, useRef } from "react";
import uPlot from "uplot";
import type { MetricSeries } from "./api";
import { dateTime, num, pct } from "./format";
import type { Palette } from "./theme";

export type MarkerKind = "alert" | "llmalert" | "change" | "tholdalert";

export const MARKER_LABELS: Record<MarkerKind, string> = {
  alert: "Anomaly alert",
  llmalert: "LLM alert",
  change: "Change",
  tholdalert: "Threshold alert",
};

// Drawn bottom to top: the anomaly alert ends on top.
const DRAW_ORDER: MarkerKind[] = ["tholdalert", "change", "llmalert", "alert"];

function drawMarker(ctx: CanvasRenderingContext2D, kind: MarkerKind, x: number, y: number, r: number): void {
  ctx.beginPath();
  if (kind === "alert") ctx.arc(x, y, r, 0, 2 * Math.PI);
  else if (kind === "llmalert") {
    const d = r * 1.45;
    ctx.moveTo(x, y - d);
    ctx.lineTo(x + d, y);
    ctx.lineTo(x, y + d);
    ctx.lineTo(x - d, y);
    ctx.closePath();
  } else if (kind === "change") {
    const d = r * 1.3;
    ctx.moveTo(x, y - d);
    ctx.lineTo(x + d, y + d * 0.8);
    ctx.lineTo(x - d, y + d * 0.8);
    ctx.closePath();
  } else ctx.rect(x - r, y - r, 2 * r, 2 * r);
  ctx.fill();
  ctx.stroke();
}

/** A small DOM element with text (never HTML: explanations come from an LLM). */
function el(tag: string, cls: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function flagsAt(s: MetricSeries, i: number): MarkerKind[] {
  return DRAW_ORDER.filter((k) => s[k].includes(i)).reverse();
}

export interface MetricChartProps {
  series: MetricSeries;
  width: number;
  height: number;
  palette: Palette;
  /** False: keep the space, draw later (charts far down the page are drawn after the visible ones). */
  active?: boolean;
}

export function MetricChart({ series, width, height, palette, active = true }: MetricChartProps): React.JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the chart is rebuilt when its data or theme changes or it comes into view; size changes only resize it (the next effect)
  useLayoutEffect(() => {
    const target = box.current;
    if (!target || width <= 0 || !active) return;
    const tip = el("div", "chart-tip");
    tip.style.display = "none";
    const dpr = window.devicePixelRatio || 1;
    const markers: Record<MarkerKind, Set<number>> = {
      alert: new Set(series.alert),
      llmalert: new Set(series.llmalert),
      change: new Set(series.change),
      tholdalert: new Set(series.tholdalert),
    };
    const hasScore = series.score.some((v) => v !== null);
    const opts: uPlot.Options = {
      width,
      height,
      ms: 1,
      legend: { show: false },
      padding: [8, 4, 0, 0],
      cursor: { drag: { x: false, y: false, setScale: false }, points: { size: 7, fill: palette.background }, y: false },
      scales: { x: { time: true }, score: { range: [0, 1.05] } },
      series: [
        {},
        { label: "Value", scale: "y", stroke: palette.primary, width: 1.5, points: { show: false } },
        { label: "Score", scale: "score", stroke: palette.score, width: 1, dash: [3, 3], points: { show: false }, show: hasScore },
      ],
      axes: [
        {
          stroke: palette.text,
          grid: { stroke: palette.grid, width: 1 },
          ticks: { stroke: palette.grid, width: 1 },
          font: "11px system-ui, sans-serif",
          size: 28,
        },
        {
          scale: "y",
          stroke: palette.text,
          grid: { stroke: palette.grid, width: 1 },
          ticks: { show: false },
          font: "11px system-ui, sans-serif",
          size: 46,
          values: (_u, vals) => vals.map((v) => num(v)),
        },
        {
          scale: "score",
          side: 1,
          stroke: palette.text,
          grid: { show: false },
          ticks: { show: false },
          font: "11px system-ui, sans-serif",
          size: 40,
          splits: () => [0, 0.5, 1],
          values: (_u, vals) => vals.map((v) => `${Math.round(v * 100)}%`),
        },
      ],
      hooks: {
        draw: [
          (u) => {
            const { ctx } = u;
            const { left, top, width: w, height: h } = u.bbox;
            ctx.save();
            ctx.beginPath();
            ctx.rect(left - 8 * dpr, top - 8 * dpr, w + 16 * dpr, h + 16 * dpr);
            ctx.clip();
            ctx.lineWidth = 1.25 * dpr;
            ctx.strokeStyle = palette.background;
            for (const kind of DRAW_ORDER) {
              if (markers[kind].size === 0) continue;
              ctx.fillStyle = palette[kind];
              for (const i of markers[kind]) {
                const x = u.valToPos(series.t[i], "x", true);
                const y = u.valToPos(series.value[i], "y", true);
                drawMarker(ctx, kind, x, y, 4.6 * dpr);
              }
            }
            ctx.restore();
          },
        ],
        setCursor: [
          (u) => {
            const i = u.cursor.idx;
            if (i === null || i === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
              tip.style.display = "none";
              return;
            }
            tip.replaceChildren(
              el("div", "tip-time", dateTime(series.t[i])),
              el("div", "tip-row", `Value ${num(series.value[i])}`),
              el("div", "tip-row", `Score ${series.score[i] === null ? "not scored" : pct(series.score[i] as number)}`),
            );
            for (const k of flagsAt(series, i)) {
              const row = el("div", `tip-flag tip-${k}`, MARKER_LABELS[k]);
              tip.append(row);
              if (k === "llmalert" && series.explanations[i]) tip.append(el("div", "tip-explanation", series.explanations[i]));
            }
            const fb = series.feedback[i];
            if (fb) tip.append(el("div", "tip-row", fb === "thumbsup" ? "Feedback: a real anomaly" : "Feedback: a false alarm"));
            tip.style.display = "block";
            const x = u.cursor.left + u.over.offsetLeft;
            const overW = u.over.clientWidth;
            const tipW = tip.offsetWidth;
            tip.style.left = `${Math.max(0, x + 12 + tipW > overW + u.over.offsetLeft ? x - tipW - 12 : x + 12)}px`;
            tip.style.top = `${u.over.offsetTop + 4}px`;
          },
        ],
      },
    };
    const u = new uPlot(opts, [series.t, series.value, series.score as (number | null)[]], target);
    (u.over.parentElement ?? u.root).append(tip);
    plot.current = u;
    target.dataset.drawn = "yes";
    return () => {
      u.destroy();
      plot.current = null;
      delete target.dataset.drawn;
    };
    // width/height changes resize the chart (below) instead of rebuilding it
  }, [series, palette, width > 0 && active]);

  useLayoutEffect(() => {
    const u = plot.current;
    if (u && width > 0 && (u.width !== width || u.height !== height)) u.setSize({ width, height });
  }, [width, height]);

  return <div className="chart" ref={box} style={{ height }} />;
}
