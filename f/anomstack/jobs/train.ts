// Train job: one model per (metric, model config), fitted on the features of
// the metric's recent values and saved as JSON. A metric that fails is reported; the others still train.
//nobundling
import { trainModel, type FeatureMatrix, type TrainedModel } from "../ml/index.ts";
import { lastScoredByMetric } from "../store/queries.ts";
import { featureSignature, modelPreprocess, type SeriesOptions } from "./batch-detector.ts";
import { DEFAULT_FEATURES, loadBatchFeatures } from "./preprocess-hook.ts";
import { errorMessage, throwIfAllFailed } from "../core/errors.ts";
import { groupByMetric, inShard, queryJobSql, type JobContext } from "./job-context.ts";
import { toMillis } from "../core/time.ts";
import type { BatchConfig } from "../config/index.ts";

interface TrainRow {
  metric_timestamp: Date;
  metric_name: string;
  metric_value: number;
}

export interface TrainResult {
  job: "train";
  batch: string;
  trained: string[];
  /** Metrics without enough data yet, with the reason. */
  skipped: { metric: string; reason: string }[];
  failed: { metric: string; error: string }[];
}

/**
 * Fit every model config of the batch on one metric's values (oldest first), each on its own features
 * (the batch's preprocess_params with the model's overrides), calibrated by `score_calibration`.
 * Throws when the metric has too few points or a model cannot be fitted.
 */
export function trainMetricModels(cfg: BatchConfig, timestamps: number[], values: number[], opts: SeriesOptions = {}): TrainedModel[] {
  if (values.length < cfg.train_min_n) {
    throw new NotEnoughData(`has ${values.length} point(s), needs train_min_n=${cfg.train_min_n}`);
  }
  const features = opts.features ?? DEFAULT_FEATURES;
  const matrices = new Map<string, FeatureMatrix>();
  return cfg.model_configs.map((mc) => {
    const pp = modelPreprocess(cfg, mc);
    const key = features.hook ? `${mc.model_tag}\n${JSON.stringify(pp)}` : JSON.stringify(pp);
    let X = matrices.get(key);
    if (!X) matrices.set(key, (X = features.matrix({ timestamps, values }, pp, { metric: opts.metric ?? "?", model_tag: mc.model_tag })));
    if (X.rows === 0) {
      throw new NotEnoughData(
        `has ${values.length} point(s), too few for the features of ${mc.model_tag} (${features.hook ? `preprocess_fn ${features.hook}` : "preprocess_params"})`,
      );
    }
    // RANGE and ZSCORE describe the spread of their training rows: they wait for train_min_n of them.
    if ((mc.model_name === "RANGE" || mc.model_name === "ZSCORE") && X.rows < cfg.train_min_n) {
      throw new NotEnoughData(`${mc.model_tag} has ${X.rows} feature row(s), needs train_min_n=${cfg.train_min_n}`);
    }
    try {
      const model = trainModel(mc, X, { calibration: cfg.score_calibration });
      model.features = featureSignature(cfg, mc);
      return model;
    } catch (e) {
      // e.g. KNN needs n_neighbors+1 rows: that is a lack of data, not a broken model.
      if (/needs at least/i.test((e as Error).message)) throw new NotEnoughData(`${mc.model_tag}: ${(e as Error).message}`);
      throw e;
    }
  });
}

/** The metric does not have enough data to train yet: a normal state, not an error. */
export class NotEnoughData extends Error {
  override name = "NotEnoughData";
}

/**
 * Per metric, its newest scored point. Training stops there, so the points still to be scored are
 * scored by a model that has not seen them, as in a replay (a metric without scores trains on all).
 */
async function lastScored(ctx: JobContext): Promise<Map<string, number>> {
  return lastScoredByMetric(ctx.store, ctx.cfg.metric_batch);
}

export async function trainJob(ctx: JobContext, opts: { metrics?: ReadonlySet<string> } = {}): Promise<TrainResult> {
  const { cfg, log } = ctx;
  const features = await loadBatchFeatures(cfg);
  const rows = await queryJobSql<TrainRow>(ctx, "train", "train_sql");
  const scoredUntil = await lastScored(ctx);
  const result: TrainResult = { job: "train", batch: cfg.metric_batch, trained: [], skipped: [], failed: [] };
  for (const [metric, all] of groupByMetric(rows)) {
    if ((opts.metrics && !opts.metrics.has(metric)) || !inShard(ctx, metric)) continue;
    const until = scoredUntil.get(metric);
    const series = until === undefined ? all : all.filter((r) => toMillis(r.metric_timestamp) <= until);
    try {
      const models = trainMetricModels(
        cfg,
        series.map((r) => toMillis(r.metric_timestamp)),
        series.map((r) => Number(r.metric_value)),
        { metric, features },
      );
      for (const m of models) await ctx.models.save(cfg.metric_batch, metric, m.model_tag, m);
      result.trained.push(metric);
    } catch (e) {
      if (e instanceof NotEnoughData) {
        result.skipped.push({ metric, reason: e.message });
        log.info(`${metric}: not trained yet, ${e.message}`);
      } else {
        result.failed.push({ metric, error: errorMessage(e) });
        log.error(`${metric}: training failed: ${errorMessage(e)}`);
      }
    }
  }
  log.info(`trained ${result.trained.length} metric(s), ${result.skipped.length} waiting for data, ${result.failed.length} failed`);
  throwIfAllFailed(cfg.metric_batch, "train", result.failed, result.trained.length + result.skipped.length);
  return result;
}
