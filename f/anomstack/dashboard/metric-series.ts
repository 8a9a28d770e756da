// A batch's points in the dashboard window, read with its `dashboard_sql` template, as series.
// One columnar series per metric, with its summary numbers (anomaly rate, average score, alert counts).
//nobundling
import { renderTemplate, type BatchConfig } from "../config/index.ts";
import type { MetricsStore } from "../store/metrics-store.ts";
import { quoteTableKey } from "../store/metrics-store.ts";
import type { PerPointRow } from "../store/metric-row.ts";
import type { FeedbackKind, MetricSeries } from "./types.ts";
import type { Window } from "./window.ts";
import { sqlTimestamp } from "../core/time.ts";

/** One row of `dashboard_sql`. */
export interface DashboardRow extends PerPointRow {
  metric_thumbsup: number;
  metric_thumbsdown: number;
  metric_llmalert_metadata: string;
}

/** Longest LLM explanation passed to the app. */
const MAX_EXPLANATION = 2_000;

/** The `anomaly_explanation` of an LLM alert's metadata (JSON), the text itself if it is not JSON, or "". */
export function llmExplanation(metadata: string): string {
  const text = metadata.trim();
  if (text === "") return "";
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      const e = (parsed as Record<string, unknown>).anomaly_explanation;
      return typeof e === "string" ? e.slice(0, MAX_EXPLANATION) : "";
    }
    return "";
  } catch {
    return text.slice(0, MAX_EXPLANATION);
  }
}

/** The batch's `dashboard_sql` rendered for `window` ending at `now`. */
export function dashboardSql(cfg: BatchConfig, window: Window, now: Date): string {
  return renderTemplate(cfg, "dashboard_sql", {
    now,
    ...(window.lastN !== undefined ? { last_n: window.lastN } : {}),
    ...(window.cutoff !== undefined ? { cutoff_time: window.cutoff } : {}),
  });
}

/**
 * Run the batch's `dashboard_sql` for `window` ending at `now` and gather each metric's points into
 * columns (oldest first), ordered by metric name.
 */
export async function queryDashboardColumns(store: MetricsStore, cfg: BatchConfig, window: Window, now: Date): Promise<DashboardColumns[]> {
  const sql = dashboardSql(cfg, window, now);
  const failed = (e: unknown) =>
    new Error(`${cfg.metric_batch} dashboard_sql: SQL failed: ${(e as Error).message}\n--- rendered SQL ---\n${sql.trim()}\n---`, { cause: e });
  if (store.dialect !== "duckdb") {
    // Other databases return the template's rows as they are; they are gathered here.
    try {
      return gatherColumns(await store.query<DashboardRow>(sql.trim().replace(/;\s*$/, "")));
    } catch (e) {
      throw failed(e);
    }
  }
  const ms = "epoch_ms(metric_timestamp)::DOUBLE";
  const flag = (col: string) => `coalesce(list(${ms}) filter (where ${col} >= 1), [])`;
  const wrapped = `with d as (
${sql.trim().replace(/;\s*$/, "")}
    )
    select metric_name,
      list(${ms} order by metric_timestamp) as t,
      list(metric_value order by metric_timestamp) as value,
      list(metric_score order by metric_timestamp) as score,
      ${flag("metric_alert")} as alert,
      ${flag("metric_change")} as change,
      ${flag("metric_tholdalert")} as tholdalert,
      ${flag("metric_llmalert")} as llmalert,
      coalesce(list({t: ${ms}, up: metric_thumbsup::DOUBLE, down: metric_thumbsdown::DOUBLE})
        filter (where metric_thumbsup > 0 or metric_thumbsdown > 0), []) as feedback,
      coalesce(list({t: ${ms}, m: metric_llmalert_metadata})
        filter (where metric_llmalert >= 1 and metric_llmalert_metadata <> ''), []) as metadata
    from d
    group by metric_name
    order by metric_name`;
  try {
    return await store.query<DashboardColumns>(wrapped);
  } catch (e) {
    throw failed(e);
  }
}

/** The rows of `dashboard_sql` as per-metric columns, as DuckDB's lists give them: by metric name, oldest first. */
export function gatherColumns(rows: readonly DashboardRow[]): DashboardColumns[] {
  const byMetric = new Map<string, DashboardRow[]>();
  for (const r of rows) {
    const list = byMetric.get(r.metric_name);
    if (list) list.push(r);
    else byMetric.set(r.metric_name, [r]);
  }
  const names = [...byMetric.keys()].sort();
  return names.map((metric_name) => {
    const points = byMetric.get(metric_name)!.sort((a, b) => a.metric_timestamp.getTime() - b.metric_timestamp.getTime());
    const t = points.map((p) => p.metric_timestamp.getTime());
    const flagged = (col: keyof DashboardRow) => points.filter((p) => Number(p[col] ?? 0) >= 1).map((p) => p.metric_timestamp.getTime());
    return {
      metric_name,
      t,
      value: points.map((p) => Number(p.metric_value)),
      score: points.map((p) => (p.metric_score === null || p.metric_score === undefined ? null : Number(p.metric_score))),
      alert: flagged("metric_alert"),
      change: flagged("metric_change"),
      tholdalert: flagged("metric_tholdalert"),
      llmalert: flagged("metric_llmalert"),
      feedback: points
        .filter((p) => Number(p.metric_thumbsup) > 0 || Number(p.metric_thumbsdown) > 0)
        .map((p) => ({ t: p.metric_timestamp.getTime(), up: Number(p.metric_thumbsup), down: Number(p.metric_thumbsdown) })),
      metadata: points
        .filter((p) => Number(p.metric_llmalert) >= 1 && p.metric_llmalert_metadata)
        .map((p) => ({ t: p.metric_timestamp.getTime(), m: p.metric_llmalert_metadata })),
    };
  });
}

/**
 * One metric's points, gathered by DuckDB (a few lists instead of one JS object per point): dense
 * columns oldest first, and the times (epoch ms) of the points carrying each flag, feedback or LLM metadata.
 */
export interface DashboardColumns {
  metric_name: string;
  t: number[];
  value: number[];
  score: (number | null)[];
  alert: number[];
  change: number[];
  tholdalert: number[];
  llmalert: number[];
  feedback: { t: number; up: number; down: number }[];
  metadata: { t: number; m: string }[];
}

/** Shape per-metric columns into series with their stats. */
export function toSeries(cols: readonly DashboardColumns[]): MetricSeries[] {
  return cols.map((c) => {
    const n = c.t.length;
    const index = new Map<number, number>();
    for (let i = 0; i < n; i++) index.set(c.t[i], i);
    const at = (times: readonly number[]) =>
      times
        .map((t) => index.get(t))
        .filter((i): i is number => i !== undefined)
        .sort((x, y) => x - y);
    let scoreSum = 0;
    let scored = 0;
    for (const v of c.score) {
      if (v !== null && v !== undefined) {
        scoreSum += v;
        scored++;
      }
    }
    const explanations: Record<number, string> = {};
    for (const { t, m } of c.metadata) {
      const i = index.get(t);
      const e = llmExplanation(m);
      if (i !== undefined && e) explanations[i] = e;
    }
    const feedback: Record<number, FeedbackKind> = {};
    let thumbsup = 0;
    let thumbsdown = 0;
    for (const { t, up, down } of c.feedback) {
      const i = index.get(t);
      if (i === undefined) continue;
      thumbsup += up;
      thumbsdown += down;
      if (up > down) feedback[i] = "thumbsup";
      else if (down > up) feedback[i] = "thumbsdown";
    }
    const alert = at(c.alert);
    const llmalert = at(c.llmalert);
    const flagged = new Set([...alert, ...llmalert]).size;
    const change = at(c.change);
    const tholdalert = at(c.tholdalert);
    return {
      name: c.metric_name,
      t: c.t,
      value: c.value,
      score: c.score,
      alert,
      change,
      tholdalert,
      llmalert,
      explanations,
      feedback,
      stats: {
        points: n,
        anomalyRate: n ? flagged / n : 0,
        avgScore: scored ? scoreSum / scored : 0,
        alerts: { anomaly: alert.length, change: change.length, tholdalert: tholdalert.length, llmalert: llmalert.length },
        thumbsup,
        thumbsdown,
        latest: n ? new Date(c.t[n - 1]).toISOString() : "",
      },
    };
  });
}

/** Highest anomaly rate first, then highest average score, then name. */
export function byAnomalyRate(a: { anomalyRate: number; avgScore: number; name: string }, b: typeof a): number {
  return b.anomalyRate - a.anomalyRate || b.avgScore - a.avgScore || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Time of the batch's newest metric point at or before `now`, or null. */
export async function latestPoint(store: MetricsStore, cfg: BatchConfig, now: Date): Promise<Date | null> {
  const [row] = await store.query<{ latest: Date | null }>(
    `select max(metric_timestamp) as latest from ${quoteTableKey(cfg.table_key)}
     where metric_batch = ? and metric_type = 'metric' and metric_timestamp <= cast(? as timestamp)`,
    [cfg.metric_batch, sqlTimestamp(now)],
  );
  return row?.latest ?? null;
}
