// preprocess_fn of the currency example: the features of a rate are its log returns,
// log(rate_t / rate_{t-n}) with n = preprocess_params.log_return_n, then the default preprocessing of
// those returns (smooth_n, lags_n, ... of the model), with the value column renamed "log_return".
// Called by train, score and replay alike; it reads, for a point, that point and the points before it.
import type { PreprocessFunction, PreprocessParams, PreprocessRow } from "../../../f/anomstack/core/batch-api.ts";

function returnN(params: PreprocessParams): number {
  const n = params.log_return_n ?? 1;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1)
    throw new Error(`preprocess_params.log_return_n must be a positive integer, got ${JSON.stringify(n)}`);
  return n;
}

export const preprocess: PreprocessFunction = (rows, params, ctx) => {
  const n = returnN(params);
  const returns: PreprocessRow[] = [];
  for (let i = n; i < rows.length; i++) {
    const before = rows[i - n].metric_value;
    const rate = rows[i].metric_value;
    if (!(before > 0 && rate > 0)) {
      const bad = before > 0 ? rows[i] : rows[i - n];
      throw new Error(`log returns need positive rates, but ${ctx.metric} is ${bad.metric_value} at ${bad.metric_timestamp.toISOString()}`);
    }
    returns.push({ metric_timestamp: rows[i].metric_timestamp, metric_value: Math.log(rate / before) });
  }
  const features = ctx.defaultPreprocess(returns);
  return { ...features, columns: features.columns.map((c) => (c === "metric_value" ? "log_return" : c)) };
};

/** Points before a row its features read: the return's n, plus the default preprocessing's window. */
export function lookback(params: PreprocessParams): number {
  return returnN(params) + params.diff_n + Math.max(params.smooth_n - 1, 0) + params.lags_n;
}
