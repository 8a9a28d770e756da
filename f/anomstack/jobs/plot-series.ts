// The plot window of a batch's metrics (plot_sql): values, scores and stored alert flags, turned into the
// series an alert or the plot job draws. Shared by the alert jobs, the delivery of alerts and the plot job.
//nobundling
import type { AlertKind, SeriesPoint } from "../alerts/channel.ts";
import type { BatchConfig } from "../config/index.ts";
import { madScore, type MadModel } from "../ml/mad.ts";
import { smoothScores } from "../rules/alert-rule.ts";
import { groupByMetric, queryJobSql, type JobContext } from "./job-context.ts";
import { toMillis } from "../core/time.ts";
import type { PerPointRow } from "../store/metric-row.ts";

/** One point of the plot window: value, raw score and the alerts stored at it. */
export interface PlotRow {
  timestamp: number;
  value: number;
  score: number | null;
  marks: AlertKind[];
}

/** The flag columns of plot_sql and the alert kind each marks. */
const FLAG_KINDS: [keyof PerPointRow, AlertKind][] = [
  ["metric_alert", "anomaly"],
  ["metric_change", "change"],
  ["metric_tholdalert", "threshold"],
  ["metric_llmalert", "llm"],
];

/** Run plot_sql (for `metrics` only, when given) and return each metric's points, oldest first. */
export async function loadPlotRows(ctx: JobContext, job: string, metrics?: readonly string[]): Promise<Map<string, PlotRow[]>> {
  const rows = await queryJobSql<PerPointRow>(ctx, job, "plot_sql", metrics ? { plot_metrics: [...metrics] } : {});
  const out = new Map<string, PlotRow[]>();
  for (const [metric, list] of groupByMetric(rows)) {
    if (metrics && !metrics.includes(metric)) continue; // a custom plot_sql may ignore plot_metrics
    const points = list
      .map((r) => ({
        timestamp: toMillis(r.metric_timestamp),
        value: Number(r.metric_value),
        score: r.metric_score === null || r.metric_score === undefined ? null : Number(r.metric_score),
        marks: FLAG_KINDS.filter(([col]) => Number(r[col]) > 0).map(([, kind]) => kind),
      }))
      .filter((p) => Number.isFinite(p.timestamp) && Number.isFinite(p.value))
      .sort((a, b) => a.timestamp - b.timestamp);
    out.set(metric, points);
  }
  return out;
}

/** What the lower panel of a plot of `kind` shows. */
export function scorePanel(cfg: BatchConfig, kind: AlertKind): { scoreLabel: string; scoreThreshold: number } {
  return kind === "change"
    ? { scoreLabel: "change score (MAD z)", scoreThreshold: cfg.change_threshold }
    : { scoreLabel: "anomaly score (smoothed)", scoreThreshold: cfg.alert_threshold };
}

/**
 * The series of a plot: the anomaly score smoothed as the alert rule smooths it (trailing mean over
 * alert_smooth_n older scored points), or, for change alerts with their MAD model, every point's MAD score.
 */
export function toSeries(cfg: BatchConfig, rows: readonly PlotRow[], mad?: MadModel): SeriesPoint[] {
  if (mad) return rows.map((p) => ({ timestamp: p.timestamp, value: p.value, score: madScore(mad, p.value), marks: [...p.marks] }));
  const scoredIdx = rows.flatMap((p, i) => (p.score === null ? [] : [i]));
  const smooth = smoothScores(
    scoredIdx.map((i) => rows[i].score as number),
    cfg.alert_smooth_n,
  );
  const byIndex = new Map(scoredIdx.map((i, j) => [i, smooth[j]]));
  return rows.map((p, i) => ({ timestamp: p.timestamp, value: p.value, score: byIndex.get(i) ?? null, marks: [...p.marks] }));
}

/**
 * The series of one alert: the plot window up to the alert's point (so a retried delivery draws what the
 * first attempt would have), with the alert's point and mark present even if plot_sql left it out.
 */
export function alertSeries(
  cfg: BatchConfig,
  rows: readonly PlotRow[],
  alert: { kind: AlertKind; timestamp: number; value: number; mad?: MadModel },
): SeriesPoint[] {
  const upTo = rows.filter((p) => p.timestamp <= alert.timestamp);
  const series = toSeries(cfg, upTo, alert.mad);
  const at = series.find((p) => p.timestamp === alert.timestamp);
  if (!at)
    series.push({ timestamp: alert.timestamp, value: alert.value, score: alert.mad ? madScore(alert.mad, alert.value) : null, marks: [alert.kind] });
  else if (!at.marks.includes(alert.kind)) at.marks.push(alert.kind);
  return series;
}
