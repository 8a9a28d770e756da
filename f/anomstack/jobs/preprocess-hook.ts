// A batch's features: the default preprocessing, or its `preprocess_fn` module (loaded once per job, from
// the disk or the Windmill metrics bundle). Train, score and replay all compute features through here, so a
// point gets the same features live and in a replay. A hook that throws, is asynchronous or returns the
// wrong shape fails with an error naming the batch, the metric, the model and what was wrong.
//nobundling
import { importFile } from "../core/module-import.ts";
import path from "node:path";
import { minRowsForFeatures, preprocess, type FeatureMatrix, type PreprocessParams as MlPreprocessParams } from "../ml/index.ts";
import { bundledModule } from "../config/source.ts";
import type { BatchConfig } from "../config/index.ts";
import { errorMessage } from "../core/errors.ts";
import type { Features, PreprocessFunction, PreprocessLookback, PreprocessParams, PreprocessRow } from "../core/batch-api.ts";

/** The points of one metric, oldest first (epoch ms and values). */
export interface Series {
  timestamps: number[];
  values: number[];
}

/** How a batch turns a metric's points into the feature matrix of one model. */
export interface BatchFeatures {
  /** The `preprocess_fn` as configured, or undefined for the default preprocessing. */
  hook?: string;
  /** Features of `series` with one model's params; `where` names the metric and model in errors. */
  matrix(series: Series, params: MlPreprocessParams, where: { metric: string; model_tag: string }): FeatureMatrix;
  /** How many points before a row its features read (score and replay pass that many along). */
  lookback(params: MlPreprocessParams): number;
}

/** The default preprocessing (ml/preprocess.ts). */
export const DEFAULT_FEATURES: BatchFeatures = {
  matrix: (series, params) => preprocess(series, params),
  lookback: (params) => minRowsForFeatures(params) - 1,
};

/** A `preprocess_fn` failed or answered with something that is not a feature matrix. */
export class PreprocessHookError extends Error {
  override name = "PreprocessHookError";
}

/** The default preprocessing of rows, as a hook sees it (Dates and row arrays). */
export function defaultPreprocessRows(rows: readonly PreprocessRow[], params: MlPreprocessParams): Features {
  const X = preprocess({ timestamps: rows.map((r) => toMs(r.metric_timestamp)), values: rows.map((r) => r.metric_value) }, params);
  const values: number[][] = [];
  for (let i = 0; i < X.rows; i++) values.push(Array.from(X.data.subarray(i * X.cols, (i + 1) * X.cols)));
  return { timestamps: X.timestamps.map((t) => new Date(t)), columns: [...X.columns], values };
}

function toMs(t: unknown): number {
  return t instanceof Date ? t.getTime() : typeof t === "number" ? t : Number.NaN;
}

/**
 * Checks what a hook returned and turns it into a FeatureMatrix; `where` starts every message.
 * @throws PreprocessHookError naming the first problem (not an object, lengths, a non-finite number, order).
 */
export function toFeatureMatrix(out: unknown, where: string): FeatureMatrix {
  const bad = (why: string) =>
    new PreprocessHookError(`${where} returned the wrong shape: ${why}; expected { timestamps, columns, values } (Features)`);
  if (out instanceof Promise || (typeof out === "object" && out !== null && typeof (out as { then?: unknown }).then === "function")) {
    throw new PreprocessHookError(`${where} returned a Promise: preprocess must be synchronous`);
  }
  if (typeof out !== "object" || out === null || Array.isArray(out))
    throw bad(`got ${out === null ? "null" : Array.isArray(out) ? "an array" : typeof out}`);
  const { timestamps, columns, values } = out as Partial<Features>;
  if (!Array.isArray(columns) || columns.length === 0 || !columns.every((c) => typeof c === "string" && c !== "")) {
    throw bad("columns must be a non-empty list of names");
  }
  if (new Set(columns).size !== columns.length) throw bad(`columns has a name twice (${JSON.stringify(columns)})`);
  if (!Array.isArray(timestamps)) throw bad("timestamps must be a list of Dates or epoch milliseconds");
  if (!Array.isArray(values)) throw bad("values must be a list of rows (number lists)");
  if (values.length !== timestamps.length) throw bad(`${timestamps.length} timestamps but ${values.length} rows of values`);
  const cols = columns.length;
  const data = new Float64Array(values.length * cols);
  const ts: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const t = toMs(timestamps[i]);
    if (!Number.isFinite(t)) throw bad(`timestamps[${i}] is not a Date or epoch milliseconds (${String(timestamps[i])})`);
    if (i > 0 && !(t > ts[i - 1])) throw bad(`timestamps must be ascending and distinct; timestamps[${i}] is not after timestamps[${i - 1}]`);
    ts.push(t);
    const row = values[i];
    if (!Array.isArray(row) || row.length !== cols) {
      throw bad(`values[${i}] has ${Array.isArray(row) ? `${row.length} numbers` : "no list"} but columns has ${cols} (${JSON.stringify(columns)})`);
    }
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (typeof v !== "number" || !Number.isFinite(v))
        throw bad(`values[${i}][${j}] (${columns[j]}) is ${JSON.stringify(v) ?? String(v)}, not a finite number`);
      data[i * cols + j] = v;
    }
  }
  return { rows: values.length, cols, data, timestamps: ts, columns: [...columns] };
}

/** Features through a loaded hook module (`preprocess` and optionally `lookback`). */
export function hookFeatures(cfg: Pick<BatchConfig, "metric_batch" | "preprocess_fn">, mod: Record<string, unknown>): BatchFeatures {
  const hook = cfg.preprocess_fn ?? "preprocess_fn";
  const batch = cfg.metric_batch;
  const fn = mod.preprocess as PreprocessFunction | undefined;
  if (typeof fn !== "function") throw new PreprocessHookError(`${batch}: preprocess_fn ${hook} must export a function named "preprocess"`);
  const lookbackFn = mod.lookback as PreprocessLookback | undefined;
  if (lookbackFn !== undefined && typeof lookbackFn !== "function") {
    throw new PreprocessHookError(`${batch}: preprocess_fn ${hook}: the "lookback" export must be a function (params) => number`);
  }
  return {
    hook,
    matrix(series, params, where) {
      const at = `${batch}, metric ${where.metric}, model ${where.model_tag}: preprocess_fn ${hook}`;
      const rows: PreprocessRow[] = series.timestamps.map((t, i) => ({ metric_timestamp: new Date(t), metric_value: series.values[i] }));
      rows.sort((a, b) => a.metric_timestamp.getTime() - b.metric_timestamp.getTime());
      const ctx = {
        batch,
        metric: where.metric,
        model_tag: where.model_tag,
        defaultPreprocess: (r: readonly PreprocessRow[], p?: Partial<PreprocessParams>) =>
          defaultPreprocessRows(r, { ...params, ...(p ?? {}) } as MlPreprocessParams),
      };
      let out: unknown;
      try {
        out = fn(rows, { ...params } as PreprocessParams, ctx);
      } catch (e) {
        throw new PreprocessHookError(`${at} threw: ${errorMessage(e)}`, { cause: e });
      }
      return toFeatureMatrix(out, at);
    },
    lookback(params) {
      if (!lookbackFn) return DEFAULT_FEATURES.lookback(params);
      let n: unknown;
      try {
        n = lookbackFn({ ...params } as PreprocessParams);
      } catch (e) {
        throw new PreprocessHookError(`${batch}: preprocess_fn ${hook}: lookback threw: ${errorMessage(e)}`, { cause: e });
      }
      if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
        throw new PreprocessHookError(
          `${batch}: preprocess_fn ${hook}: lookback must return a non-negative integer, got ${JSON.stringify(n) ?? String(n)}`,
        );
      }
      return n;
    },
  };
}

/** The batch's features: its `preprocess_fn` module (from the metrics bundle on a worker, else imported), or the default. */
export async function loadBatchFeatures(cfg: Pick<BatchConfig, "metric_batch" | "preprocess_fn" | "source_dir">): Promise<BatchFeatures> {
  if (!cfg.preprocess_fn) return DEFAULT_FEATURES;
  const file = path.resolve(cfg.source_dir, cfg.preprocess_fn);
  let mod: Record<string, unknown>;
  try {
    mod = (bundledModule(file) as Record<string, unknown> | undefined) ?? (await importFile(file));
  } catch (e) {
    throw new PreprocessHookError(`${cfg.metric_batch}: cannot load preprocess_fn ${file}: ${errorMessage(e)}`, { cause: e });
  }
  return hookFeatures(cfg, mod);
}
