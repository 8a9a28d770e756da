// Score job (as the original intends): score only the points not scored yet, as
// probabilities calibrated on the training scores, combined across the batch's models, with repeated
// detections suppressed against the stored scores before them.
//nobundling
import { parseTrainedModel, suppressRepeats, type TrainedModel } from "../ml/index.ts";
import type { MetricRow } from "../store/metric-row.ts";
import { errorMessage, throwIfAllFailed } from "../core/errors.ts";
import { groupByMetric, inShard, queryJobSql, type JobContext } from "./job-context.ts";
import { toMillis } from "../core/time.ts";
import type { BatchConfig } from "../config/index.ts";
import { scoreHistoryN, scoreSeries } from "./batch-detector.ts";
import { loadBatchFeatures } from "./preprocess-hook.ts";

interface ScoreRow {
  metric_timestamp: Date;
  metric_name: string;
  metric_value: number;
  metric_score: number | null;
}

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

/** Load the batch's models of one metric; missing ones are left out (with a warning), corrupt ones too. */
export async function loadMetricModels(ctx: JobContext, metric: string): Promise<TrainedModel[]> {
  const out: TrainedModel[] = [];
  for (const mc of ctx.cfg.model_configs) {
    try {
      const json = await ctx.models.load(ctx.cfg.metric_batch, metric, mc.model_tag);
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
  const rows = await queryJobSql<ScoreRow>(ctx, "score", "score_sql", { score_history_n: historyN });
  const result: ScoreResult = { job: "score", batch: cfg.metric_batch, scored: 0, metrics: 0, no_model: [], failed: [] };
  const out: MetricRow[] = [];
  let tried = 0; // metrics with points to score and models to score them
  for (const [metric, series] of groupByMetric(rows)) {
    if (!inShard(ctx, metric)) continue;
    // Only the newest score_max_n points may be scored, and only those after the newest stored score (a
    // point scoring passed by, e.g. a replay's warm-up, is not scored later by a model that has seen it).
    // The rows before them are history.
    let frontier = Number.NEGATIVE_INFINITY;
    for (const r of series) if (r.metric_score !== null) frontier = Math.max(frontier, toMillis(r.metric_timestamp));
    const unscored = new Set(
      series
        .slice(-cfg.score_max_n)
        .filter((r) => r.metric_score === null && toMillis(r.metric_timestamp) > frontier)
        .map((r) => toMillis(r.metric_timestamp)),
    );
    if (unscored.size === 0) continue;
    const models = await loadMetricModels(ctx, metric);
    if (models.length === 0) {
      result.no_model.push(metric);
      log.warn(`${metric}: no trained model yet, not scored (run train first)`);
      continue;
    }
    tried++;
    try {
      const timestamps = series.map((r) => toMillis(r.metric_timestamp));
      const computed = scoreSeries(cfg, models, { timestamps, values: series.map((r) => Number(r.metric_value)) }, { metric, features });
      const byTime = new Map(computed.timestamps.map((t, i) => [t, computed.scores[i]]));
      const stored = new Map(series.filter((r) => r.metric_score !== null).map((r) => [toMillis(r.metric_timestamp), Number(r.metric_score)]));
      // The series' points (with resampling, `freq`, the feature rows are bins: they join in time order).
      const points = [...new Set([...timestamps, ...computed.timestamps])].sort((a, b) => a - b);
      const fresh = new Set(computed.timestamps.filter((_, i) => computed.fresh[i]));
      const scores = finalScores(cfg, points, byTime, stored, fresh);
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
