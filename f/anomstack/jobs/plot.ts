// Plot job: one PNG per metric of the batch from plot_sql — recent values,
// the smoothed anomaly score with alert_threshold, stored alerts / changes / threshold breaches / LLM
// alerts marked — returned as a Windmill rich result so the plots show on the run page.
//nobundling
import { formatMinute } from "../alerts/channel.ts";
import { renderPlot } from "../charts/index.ts";
import type { JobContext } from "./job-context.ts";
import { loadPlotRows, scorePanel, toSeries } from "./plot-series.ts";

/** Plots returned by one run at most (each PNG is ~60-100 KB); metrics with alerts come first. */
export const PLOT_MAX_METRICS = 50;

export interface PlotResult {
  job: "plot";
  batch: string;
  metrics: number;
  plots: { metric: string; points: number; alerts: number; png_base64: string }[];
  /** Metrics not plotted because of PLOT_MAX_METRICS. */
  omitted: string[];
}

export async function plotJob(ctx: JobContext): Promise<PlotResult> {
  const { cfg, log } = ctx;
  const byMetric = await loadPlotRows(ctx, "plot");
  const ranked = [...byMetric].map(([metric, rows]) => ({ metric, rows, alerts: rows.filter((r) => r.marks.length > 0).length }));
  ranked.sort((a, b) => b.alerts - a.alerts || (a.metric < b.metric ? -1 : 1));
  const result: PlotResult = { job: "plot", batch: cfg.metric_batch, metrics: ranked.length, plots: [], omitted: [] };
  for (const [i, m] of ranked.entries()) {
    if (i >= PLOT_MAX_METRICS) {
      result.omitted.push(m.metric);
      continue;
    }
    const series = toSeries(cfg, m.rows);
    const last = m.rows[m.rows.length - 1];
    const png = renderPlot({
      title: m.metric,
      subtitle: `${cfg.metric_batch} · ${m.rows.length} points to ${formatMinute(new Date(last.timestamp))} UTC · ${m.alerts} alert(s)`,
      points: series,
      ...scorePanel(cfg, "anomaly"),
    });
    result.plots.push({ metric: m.metric, points: m.rows.length, alerts: m.alerts, png_base64: Buffer.from(png).toString("base64") });
  }
  result.plots.sort((a, b) => (a.metric < b.metric ? -1 : 1));
  if (result.omitted.length)
    log.warn(`${result.omitted.length} metric(s) not plotted (at most ${PLOT_MAX_METRICS} per run): ${result.omitted.join(", ")}`);
  if (ranked.length === 0) log.info("no data to plot");
  return result;
}

/**
 * The Windmill rich result of a plot run: a heading, then each metric's PNG (`render_all`: a list of
 * `{ markdown }` and `{ png }` entries the run page draws). A stage that was disabled returns its plain result instead.
 */
export function plotRichResult(r: PlotResult): { render_all: ({ markdown: string } | { png: string })[] } {
  const head = `### ${r.batch}: ${r.plots.length} plot(s)${r.omitted.length ? ` (${r.omitted.length} more not shown)` : ""}`;
  return { render_all: [{ markdown: head }, ...r.plots.map((p) => ({ png: p.png_base64 }))] };
}
