// Score job (anomstack-behaviour §3.4, intended behaviour): score only the points not scored yet, as
// probabilities calibrated on the training scores, combined across the batch's models.
import {
  combineProbabilities,
  minRowsForFeatures,
  parseTrainedModel,
  predictProba,
  preprocess,
  type FeatureMatrix,
  type TrainedModel,
} from "../ml/index.ts";
import { roundTo, type MetricRow } from "../store/metric-row.ts";
import { errorMessage } from "../runtime/errors.ts";
import { groupByMetric, inShard, queryJobSql, toMillis, type JobContext } from "../runtime/context.ts";
import type { BatchConfig } from "../config/index.ts";

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
 * Calibrated, combined anomaly probabilities for the rows of `X` (one per feature row), rounded to
 * `score_metric_rounding`. Models whose features do not match `X` are rejected with an Error.
 */
export function scoreFeatures(cfg: BatchConfig, models: readonly TrainedModel[], X: FeatureMatrix): number[] {
  const probs = models.map((m) => {
    if (m.columns.length !== X.cols) {
      throw new Error(
        `model ${m.model_tag} was trained on ${m.columns.length} features but preprocess_params now give ${X.cols}; retrain`,
      );
    }
    return predictProba(m, X);
  });
  return Array.from(combineProbabilities(probs, cfg.model_combination_method), (p) => roundTo(p, cfg.score_metric_rounding));
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
  const historyN = minRowsForFeatures(cfg.preprocess_params) - 1;
  const rows = await queryJobSql<ScoreRow>(ctx, "score", "score_sql", { score_history_n: historyN });
  const result: ScoreResult = { job: "score", batch: cfg.metric_batch, scored: 0, metrics: 0, no_model: [], failed: [] };
  const out: MetricRow[] = [];
  for (const [metric, series] of groupByMetric(rows)) {
    if (!inShard(ctx, metric)) continue;
    const unscored = new Set(series.filter((r) => r.metric_score === null).map((r) => toMillis(r.metric_timestamp)));
    if (unscored.size === 0) continue;
    const models = await loadMetricModels(ctx, metric);
    if (models.length === 0) {
      result.no_model.push(metric);
      log.warn(`${metric}: no trained model yet, not scored (run train first)`);
      continue;
    }
    try {
      const X = preprocess(
        { timestamps: series.map((r) => toMillis(r.metric_timestamp)), values: series.map((r) => Number(r.metric_value)) },
        cfg.preprocess_params,
      );
      const scores = scoreFeatures(cfg, models, X);
      let n = 0;
      X.timestamps.forEach((ts, i) => {
        if (!unscored.has(ts)) return;
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
  return result;
}
