// Replay: score a batch's whole stored history causally — each point only by a model trained on earlier
// points, retrained every `retrainEvery` points — then apply the alert, change and threshold rules over
// that history, so a new batch shows realistic scores and alerts at once and history can be evaluated.
// History alerts are stored, not delivered (nobody wants 500 emails about last month).
//nobundling
import type { TrainedModel } from "../ml/index.ts";
import { decideAnomalyAlerts, type ScoredPoint } from "../rules/alert-rule.ts";
import { decideChanges, type ChangePoint } from "../rules/change-rule.ts";
import { decideTholdalertBreaches } from "../rules/tholdalert-rule.ts";
import { deleteTypesUntil, readBatchHistory } from "../store/queries.ts";
import type { MetricRow } from "../store/metric-row.ts";
import { JobError, errorMessage } from "../core/errors.ts";
import type { JobContext } from "./job-context.ts";
import { toMillis } from "../core/time.ts";
import { NotEnoughData, trainMetricModels } from "./train.ts";
import { finalScores } from "./score.ts";
import { scoreLookback, scoreSeries, type SeriesOptions } from "./batch-detector.ts";
import { loadBatchFeatures } from "./preprocess-hook.ts";
import { anomalyAlertParams } from "./alert.ts";
import { flagRow } from "./emit.ts";
import type { BatchConfig } from "../config/index.ts";

export interface ReplayOptions {
  /** Retrain after this many points (default 50). */
  retrainEvery?: number;
  /** Delete the batch's stored scores and alert flags first, then recompute them. */
  rescore?: boolean;
  onProgress?: (done: number, total: number, metric: string) => void;
}

export interface ReplayResult {
  job: "replay";
  batch: string;
  metrics: number;
  scored: number;
  alerts: number;
  changes: number;
  tholdalerts: number;
  failed: { metric: string; error: string }[];
}

const DAY_MS = 86_400_000;

/**
 * Causal scores of one series (oldest first): the score of point i comes from models trained on points
 * before the last retrain point ≤ i, within `train_max_n` points and `train_metric_timestamp_max_days_ago`,
 * exactly as the score job would have scored it then (its features and calibration history from the points
 * before it, repeated detections suppressed). Points before the first successful training get no score (NaN).
 */
export function replayScores(cfg: BatchConfig, timestamps: number[], values: number[], retrainEvery: number, opts: SeriesOptions = {}): number[] {
  const n = values.length;
  const computed = new Map<number, number>();
  const lookback = scoreLookback(cfg, opts.features);
  let models: TrainedModel[] | undefined;
  let warmupError: unknown;
  let c = Math.max(cfg.train_min_n, 1);
  while (c < n) {
    const minTs = timestamps[c] - cfg.train_metric_timestamp_max_days_ago * DAY_MS;
    let a = Math.max(0, c - cfg.train_max_n);
    while (a < c && timestamps[a] < minTs) a++;
    try {
      models = trainMetricModels(cfg, timestamps.slice(a, c), values.slice(a, c), opts);
    } catch (e) {
      if (models) throw e;
      warmupError = e;
      c++; // too little data for some model yet: try again with one more point
      continue;
    }
    // Score the points up to the next retrain in one go; the points before them are their history.
    const end = Math.min(n, c + retrainEvery);
    const from = Math.max(0, c - lookback);
    const r = scoreSeries(cfg, models, { timestamps: timestamps.slice(from, end), values: values.slice(from, end) }, opts);
    r.timestamps.forEach((t, i) => {
      if (t >= timestamps[c]) computed.set(t, r.scores[i]);
    });
    c = end;
  }
  // Never trained although there were points: say why, unless it was only a lack of data.
  if (!models && warmupError && !(warmupError instanceof NotEnoughData)) throw warmupError;
  return Array.from(finalScores(cfg, timestamps, computed));
}

export async function replayJob(ctx: JobContext, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const { cfg, store, log } = ctx;
  const retrainEvery = opts.retrainEvery ?? 50;
  if (!Number.isInteger(retrainEvery) || retrainEvery < 1) {
    throw new JobError(cfg.metric_batch, "replay", `--retrain-every must be a positive integer, got ${retrainEvery}`);
  }
  const features = await loadBatchFeatures(cfg);
  const history = await readBatchHistory(store, cfg.metric_batch, ctx.now);
  const excluded = new Set(cfg.score_exclude_metrics ?? []);
  const byMetric = new Map<string, Map<string, Map<number, number>>>();
  for (const r of history) {
    const types = byMetric.get(r.metric_name) ?? new Map<string, Map<number, number>>();
    byMetric.set(r.metric_name, types);
    const m = types.get(r.metric_type) ?? new Map<number, number>();
    types.set(r.metric_type, m);
    m.set(toMillis(r.metric_timestamp), Number(r.metric_value));
  }
  const result: ReplayResult = { job: "replay", batch: cfg.metric_batch, metrics: 0, scored: 0, alerts: 0, changes: 0, tholdalerts: 0, failed: [] };
  const out: MetricRow[] = [];
  const metrics = [...byMetric.keys()].filter((m) => byMetric.get(m)!.has("metric"));
  let done = 0;
  for (const metric of metrics) {
    const types = byMetric.get(metric)!;
    const kept = (type: string) => (opts.rescore ? new Map<number, number>() : (types.get(type) ?? new Map<number, number>()));
    const series = [...types.get("metric")!].sort((a, b) => a[0] - b[0]);
    const ts = series.map((s) => s[0]);
    const values = series.map((s) => s[1]);
    try {
      if (!excluded.has(metric)) {
        const stored = kept("score");
        const scores = replayScores(cfg, ts, values, retrainEvery, { metric, features });
        const alertFlags = kept("alert");
        const points: ScoredPoint[] = [];
        ts.forEach((t, i) => {
          const score = stored.get(t) ?? scores[i];
          if (!Number.isFinite(score)) return;
          if (!stored.has(t)) {
            out.push({
              metric_timestamp: new Date(t),
              metric_batch: cfg.metric_batch,
              metric_name: metric,
              metric_type: "score",
              metric_value: score,
              metadata: "",
            });
            result.scored++;
          }
          points.push({ timestamp: t, value: values[i], score, alerted: alertFlags.has(t) });
        });
        for (const d of decideAnomalyAlerts(points, anomalyAlertParams(cfg, Number.POSITIVE_INFINITY))) {
          out.push(
            flagRow(ctx, metric, "alert", d.timestamp, {
              metric_score: d.score,
              metric_score_smooth: d.score_smooth,
              alert_threshold: cfg.alert_threshold,
            }),
          );
          result.alerts++;
        }
      }
      await saveLatestModels(ctx, metric, ts, values, { metric, features });
      result.changes += replayChanges(ctx, metric, ts, values, kept("change"), out);
      result.tholdalerts += replayTholdalerts(ctx, metric, ts, values, kept("tholdalert"), out);
      result.metrics++;
    } catch (e) {
      result.failed.push({ metric, error: errorMessage(e) });
      log.error(`${metric}: replay failed: ${errorMessage(e)}`);
    }
    opts.onProgress?.(++done, metrics.length, metric);
  }
  await store.transaction(async () => {
    if (opts.rescore) {
      await deleteTypesUntil(store, cfg.metric_batch, ["score", "alert", "change", "tholdalert"], ctx.now);
    }
    await store.append(out);
  });
  log.info(
    `replayed ${result.metrics} metric(s): ${result.scored} score(s), ${result.alerts} alert(s), ${result.changes} change(s), ${result.tholdalerts} threshold alert(s)`,
  );
  return result;
}

/** Train on the newest window, as the train job would now, so scoring can continue after a replay. */
async function saveLatestModels(ctx: JobContext, metric: string, ts: number[], values: number[], opts: SeriesOptions): Promise<void> {
  const { cfg } = ctx;
  if (cfg.train_exclude_metrics?.includes(metric)) return;
  const minTs = ctx.now.getTime() - cfg.train_metric_timestamp_max_days_ago * DAY_MS;
  let a = Math.max(0, ts.length - cfg.train_max_n);
  while (a < ts.length && ts[a] < minTs) a++;
  try {
    for (const m of trainMetricModels(cfg, ts.slice(a), values.slice(a), opts)) await ctx.models.save(cfg.metric_batch, metric, m.model_tag, m);
  } catch (e) {
    if (!(e instanceof NotEnoughData)) throw e;
  }
}

/** The change rule at every point in turn, each seeing only the `change_max_n` values up to it. */
function replayChanges(ctx: JobContext, metric: string, ts: number[], values: number[], stored: Map<number, number>, out: MetricRow[]): number {
  const { cfg } = ctx;
  const include = cfg.change_include_metrics;
  if ((include?.length && !include.includes(metric)) || cfg.change_exclude_metrics?.includes(metric)) return 0;
  const changed = ts.map((t) => stored.has(t));
  let n = 0;
  for (let i = 0; i < ts.length; i++) {
    const a = Math.max(0, i - cfg.change_max_n + 1);
    const points: ChangePoint[] = [];
    for (let k = a; k <= i; k++) points.push({ timestamp: ts[k], value: values[k], changed: changed[k] });
    const r = decideChanges(points, { threshold: cfg.change_threshold, detect_last_n: 1, snooze_n: cfg.change_snooze_n });
    for (const c of r.changes) {
      changed[a + c.index] = true;
      out.push(flagRow(ctx, metric, "change", c.timestamp, { change_score: c.score, change_threshold: cfg.change_threshold }));
      n++;
    }
  }
  return n;
}

/** The threshold rule over the whole history, oldest first, with the snooze. */
function replayTholdalerts(ctx: JobContext, metric: string, ts: number[], values: number[], stored: Map<number, number>, out: MetricRow[]): number {
  const bounds = ctx.cfg.tholdalert_thresholds?.[metric];
  if (!bounds || ctx.cfg.tholdalert_exclude_metrics?.includes(metric)) return 0;
  const points = ts.map((t, i) => ({ timestamp: t, value: values[i], alerted: stored.has(t) }));
  const breaches = decideTholdalertBreaches(points, bounds, { recent_n: Number.POSITIVE_INFINITY, snooze_n: ctx.cfg.tholdalert_snooze_n });
  for (const b of breaches) {
    out.push(
      flagRow(ctx, metric, "tholdalert", b.timestamp, {
        thresholds: bounds,
        breached_threshold_type: b.threshold_type,
        breached_threshold_value: b.threshold_value,
        metric_value_at_breach: b.value,
      }),
    );
  }
  return breaches.length;
}
