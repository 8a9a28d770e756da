// Train job (anomstack-behaviour §3.3): one model per (metric, model config), fitted on the features of
// the metric's recent values and saved as JSON. A metric that fails is reported; the others still train.
import { preprocess, trainModel, type TrainedModel } from "../ml/index.ts";
import { errorMessage } from "../runtime/errors.ts";
import { groupByMetric, inShard, queryJobSql, toMillis, type JobContext } from "../runtime/context.ts";
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
 * Fit every model config of the batch on one metric's values (oldest first).
 * Throws when the metric has too few points or a model cannot be fitted.
 */
export function trainMetricModels(cfg: BatchConfig, timestamps: number[], values: number[]): TrainedModel[] {
  if (values.length < cfg.train_min_n) {
    throw new NotEnoughData(`has ${values.length} point(s), needs train_min_n=${cfg.train_min_n}`);
  }
  const X = preprocess({ timestamps, values }, cfg.preprocess_params);
  if (X.rows === 0) throw new NotEnoughData(`has ${values.length} point(s), too few for the features (preprocess_params)`);
  return cfg.model_configs.map((mc) => {
    try {
      return trainModel(mc, X);
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

export async function trainJob(ctx: JobContext, opts: { metrics?: ReadonlySet<string> } = {}): Promise<TrainResult> {
  const { cfg, log } = ctx;
  const rows = await queryJobSql<TrainRow>(ctx, "train", "train_sql");
  const result: TrainResult = { job: "train", batch: cfg.metric_batch, trained: [], skipped: [], failed: [] };
  for (const [metric, series] of groupByMetric(rows)) {
    if ((opts.metrics && !opts.metrics.has(metric)) || !inShard(ctx, metric)) continue;
    try {
      const models = trainMetricModels(
        cfg,
        series.map((r) => toMillis(r.metric_timestamp)),
        series.map((r) => Number(r.metric_value)),
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
  return result;
}
