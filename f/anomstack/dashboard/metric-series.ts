// A batch's points in the dashboard window, read with its `dashboard_sql` template, as series.
// One columnar series per metric, with its summary numbers (anomaly rate, average score, alert counts).
//nobundling
import { renderTemplate, type BatchConfig } from "../config/index.ts";
import type { MetricsStore } from "../store/metrics-store.ts";
import { latestMetricPoint } from "../store/queries.ts";
import { toMillis } from "../core/time.ts";
import type { PerPointRow } from "../store/metric-row.ts";
import type { FeedbackKind, MetricSeries } from "./types.ts";
import type { Window } from "./window.ts";

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
  if (store.dialect !== "duckdb") return gatherColumns(store, cfg, sql);
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
    throw new Error(`${cfg.metric_batch} dashboard_sql: SQL failed: ${(e as Error).message}\n--- rendered SQL ---\n${sql.trim()}\n---`, { cause: e });
  }
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

/** The dashboard's rows as per-metric columns, gathered here: every store but DuckDB (which gathers them itself). */
async function gatherColumns(store: MetricsStore, cfg: BatchConfig, sql: string): Promise<DashboardColumns[]> {
  let rows: Record<string, unknown>[];
  try {
    rows = await store.query<Record<string, unknown>>(sql);
  } catch (e) {
    throw new Error(`${cfg.metric_batch} dashboard_sql: SQL failed: ${(e as Error).message}\n--- rendered SQL ---\n${sql.trim()}\n---`, { cause: e });
  }
  const byMetric = new Map<string, DashboardColumns>();
  const sorted = rows
    .map((r) => ({ r, t: toMillis(r.metric_timestamp) }))
    .sort((a, b) => (a.r.metric_name === b.r.metric_name ? a.t - b.t : String(a.r.metric_name) < String(b.r.metric_name) ? -1 : 1));
  for (const { r, t } of sorted) {
    const name = String(r.metric_name);
    let c = byMetric.get(name);
    if (!c) {
      c = { metric_name: name, t: [], value: [], score: [], alert: [], change: [], tholdalert: [], llmalert: [], feedback: [], metadata: [] };
      byMetric.set(name, c);
    }
    c.t.push(t);
    c.value.push(Number(r.metric_value));
    c.score.push(r.metric_score === null || r.metric_score === undefined ? null : Number(r.metric_score));
    for (const k of ["alert", "change", "tholdalert", "llmalert"] as const) if (Number(r[`metric_${k}`]) >= 1) c[k].push(t);
    const up = Number(r.metric_thumbsup ?? 0);
    const down = Number(r.metric_thumbsdown ?? 0);
    if (up > 0 || down > 0) c.feedback.push({ t, up, down });
    const md = String(r.metric_llmalert_metadata ?? "");
    if (Number(r.metric_llmalert) >= 1 && md !== "") c.metadata.push({ t, m: md });
  }
  return [...byMetric.values()];
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
  return latestMetricPoint(store, cfg.metric_batch, now);
}
