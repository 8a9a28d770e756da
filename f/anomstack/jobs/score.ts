// Score job (as the original intends): score only the points not scored yet, as
// probabilities calibrated on the training scores, combined across the batch's models, with repeated
// detections suppressed against the stored scores before them.
//nobundling
import { parseTrainedModel, suppressRepeats, type TrainedModel } from "../ml/index.ts";
import type { MetricRow } from "../store/metric-row.ts";
import type { BatchModels } from "../store/model-store.ts";
import { errorMessage, throwIfAllFailed } from "../core/errors.ts";
import { inShard, queryJobSeries, type JobContext } from "./job-context.ts";
import type { BatchConfig } from "../config/index.ts";
import { scoreHistoryN, scoreSeries } from "./batch-detector.ts";
import { loadBatchFeatures } from "./preprocess-hook.ts";

export interface ScoreResult {
  job: "score";
  batch: string;
  scored: number;
  metrics: number;
  /** Metrics with no usable model (train first). */
  no_model: string[];
  failed: { metric: string; error: string }[];
}

/**
 * The scores to store for a metric's series (oldest first): the stored score where there is one, else the
 * computed one (`computed`, by timestamp; NaN where none), with {@link suppressRepeats} over
 * `score_suppress_n` points applied to the new ones (`fresh`: the points that start a new incident).
 * Replay and the score job both end here.
 */
export function finalScores(
  cfg: BatchConfig,
  timestamps: readonly number[],
  computed: ReadonlyMap<number, number>,
  stored?: ReadonlyMap<number, number>,
  fresh?: ReadonlySet<number>,
): Float64Array {
  const fixed = timestamps.map((t) => stored?.has(t) ?? false);
  const s = timestamps.map((t) => stored?.get(t) ?? computed.get(t) ?? Number.NaN);
  return suppressRepeats(
    s,
    cfg.score_suppress_n,
    fixed,
    timestamps.map((t) => fresh?.has(t) ?? false),
  );
}

/** The scores a scoring pass computed for a series (scoreSeries' result). */
type ComputedScores = { timestamps: readonly number[]; scores: readonly number[]; fresh: readonly boolean[] };

/**
 * {@link finalScores} of a series' points and the scores computed for it: the series' timestamps and
 * the computed ones, in time order, with their final scores. The usual case, the computed timestamps
 * among the series' own (strictly increasing, no resampling), is one walk over arrays; any other goes
 * through finalScores' lookups. Both give the same (a test compares them).
 */
export function seriesScores(
  cfg: BatchConfig,
  timestamps: readonly number[],
  storedScores: readonly unknown[],
  computed: ComputedScores,
): { points: readonly number[]; scores: Float64Array } {
  const n = timestamps.length;
  const at = new Int32Array(n).fill(-1); // point i's row in `computed`, -1 for none
  let aligned = true;
  for (let i = 1; i < n && aligned; i++) aligned = timestamps[i] > timestamps[i - 1];
  for (let j = 0, i = 0; j < computed.timestamps.length && aligned; j++) {
    const t = computed.timestamps[j];
    while (i < n && timestamps[i] < t) i++;
    aligned = i < n && timestamps[i] === t;
    if (aligned) at[i++] = j;
  }
  if (!aligned) return seriesScoresByLookup(cfg, timestamps, storedScores, computed);
  const s = new Array<number>(n);
  const fixed = new Array<boolean>(n);
  const fresh = new Array<boolean>(n);
  for (let i = 0; i < n; i++) {
    const j = at[i];
    fixed[i] = storedScores[i] !== null;
    s[i] = fixed[i] ? Number(storedScores[i]) : j >= 0 ? computed.scores[j] : Number.NaN;
    fresh[i] = j >= 0 && computed.fresh[j];
  }
  return { points: timestamps, scores: suppressRepeats(s, cfg.score_suppress_n, fixed, fresh) };
}

/** {@link seriesScores} by timestamp lookups: any order, repeated timestamps, resampled feature rows. */
export function seriesScoresByLookup(
  cfg: BatchConfig,
  timestamps: readonly number[],
  storedScores: readonly unknown[],
  computed: ComputedScores,
): { points: readonly number[]; scores: Float64Array } {
  const byTime = new Map(computed.timestamps.map((t, i) => [t, computed.scores[i]]));
  const stored = new Map<number, number>();
  timestamps.forEach((t, i) => {
    if (storedScores[i] !== null) stored.set(t, Number(storedScores[i]));
  });
  // The series' points (with resampling, `freq`, the feature rows are bins: they join in time order).
  const points = [...new Set([...timestamps, ...computed.timestamps])].sort((a, b) => a - b);
  const fresh = new Set(computed.timestamps.filter((_, i) => computed.fresh[i]));
  return { points, scores: finalScores(cfg, points, byTime, stored, fresh) };
}

/** One metric's models out of the batch's; missing ones are left out, corrupt ones too (with a warning). */
export function loadMetricModels(ctx: JobContext, models: BatchModels, metric: string): TrainedModel[] {
  const out: TrainedModel[] = [];
  for (const mc of ctx.cfg.model_configs) {
    try {
      const json = models.get(metric, mc.model_tag);
      if (json === undefined) continue;
      out.push(parseTrainedModel(json, `${ctx.cfg.metric_batch}/${metric}/${mc.model_tag}`));
    } catch (e) {
      ctx.log.warn(`${metric}: model ${mc.model_tag} unusable, skipped: ${errorMessage(e)}`);
    }
  }
  return out;
}

export async function scoreJob(ctx: JobContext): Promise<ScoreResult> {
  const { cfg, log } = ctx;
  const features = await loadBatchFeatures(cfg);
  const historyN = scoreHistoryN(cfg, features);
  const bySeries = await queryJobSeries(ctx, "score", "score_sql", { score_history_n: historyN });
  const result: ScoreResult = { job: "score", batch: cfg.metric_batch, scored: 0, metrics: 0, no_model: [], failed: [] };
  const out: MetricRow[] = [];
  let tried = 0; // metrics with points to score and models to score them
  // The shard's models in one go, read when the first metric has points to score.
  let batchModels: BatchModels | undefined;
  for (const [metric, series] of bySeries) {
    if (!inShard(ctx, metric)) continue;
    const timestamps = series.metric_timestamp;
    const storedScores = series.metric_score ?? timestamps.map(() => undefined);
    // Only the newest score_max_n points may be scored, and only those after the newest stored score (a
    // point scoring passed by, e.g. a replay's warm-up, is not scored later by a model that has seen it).
    // The rows before them are history.
    let frontier = Number.NEGATIVE_INFINITY;
    timestamps.forEach((t, i) => {
      if (storedScores[i] !== null) frontier = Math.max(frontier, t);
    });
    const unscored = new Set<number>();
    const start = timestamps.length - timestamps.slice(-cfg.score_max_n).length; // where slice(-score_max_n) starts
    for (let i = start; i < timestamps.length; i++) {
      if (storedScores[i] === null && timestamps[i] > frontier) unscored.add(timestamps[i]);
    }
    if (unscored.size === 0) continue;
    batchModels ??= await ctx.models.loadModels(cfg.metric_batch, ctx.shard);
    const models = loadMetricModels(ctx, batchModels, metric);
    if (models.length === 0) {
      result.no_model.push(metric);
      log.warn(`${metric}: no trained model yet, not scored (run train first)`);
      continue;
    }
    tried++;
    try {
      const values = timestamps.map((_, i) => Number(series.metric_value?.[i]));
      const computed = scoreSeries(cfg, models, { timestamps, values }, { metric, features });
      const { points, scores } = seriesScores(cfg, timestamps, storedScores, computed);
      let n = 0;
      points.forEach((ts, i) => {
        if (!unscored.has(ts) || Number.isNaN(scores[i])) return;
        out.push({
          metric_timestamp: new Date(ts),
          metric_batch: cfg.metric_batch,
          metric_name: metric,
          metric_type: "score",
          metric_value: scores[i],
          metadata: "",
        });
        n++;
      });
      if (n > 0) result.metrics++;
    } catch (e) {
      result.failed.push({ metric, error: errorMessage(e) });
      log.error(`${metric}: scoring failed: ${errorMessage(e)}`);
    }
  }
  result.scored = await ctx.store.append(out);
  log.info(`scored ${result.scored} point(s) of ${result.metrics} metric(s)`);
  throwIfAllFailed(cfg.metric_batch, "score", result.failed, tried - result.failed.length);
  return result;
}
