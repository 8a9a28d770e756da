// The "expected range" an alert shows: the values its detector considered normal. Pure.
//  - anomaly / LLM alerts: the lowest and highest of the last EXPECTED_WINDOW values whose smoothed
//    anomaly score stayed below alert_threshold (the ML models have no closed-form range, but these
//    values they scored normal; a recent window, so a trend or a daily rhythm does not widen it);
//  - change alerts: the values whose MAD modified z-score is at most change_threshold,
//    median ± threshold · MAD / 0.6745 (exact for the fitted model).
//nobundling
import type { ExpectedRange } from "./channel.ts";
import { formatScore, formatValue } from "../core/numbers.ts";
import { MAD_CONSTANT, type MadModel } from "../ml/mad.ts";
import { smoothScores } from "../rules/alert-rule.ts";

/** Fewer normal points than this say nothing about a range. */
export const MIN_NORMAL_POINTS = 3;
/** How many of the newest points the range of scored-normal values looks at. */
export const EXPECTED_WINDOW = 48;

/**
 * The range of the values scored normal among the last `window` points (oldest first, ending at the
 * alert): points with a score, other than `exclude` timestamps, whose trailing-smoothed score (as the
 * alert rule smooths it, over every given point) is below `threshold`. `from` is where the window starts.
 * @example expectedFromScores([{timestamp:1,value:5,score:0.1},{timestamp:2,value:7,score:0.2},{timestamp:3,value:6,score:0.1},{timestamp:4,value:30,score:0.99}], 0, 0.8, [4])
 * // => { lower: 5, upper: 7, basis: "values scored below 0.80 in the last 4 points", from: 1 }
 */
export function expectedFromScores(
  points: readonly { timestamp: number; value: number; score: number | null }[],
  smooth_n: number,
  threshold: number,
  exclude: readonly number[] = [],
  window = EXPECTED_WINDOW,
): ExpectedRange | undefined {
  const scored = points.filter((p) => p.score !== null && Number.isFinite(p.score));
  const smooth = smoothScores(
    scored.map((p) => p.score as number),
    smooth_n,
  );
  const recent = points.slice(-window);
  if (recent.length === 0) return undefined;
  const from = recent[0].timestamp;
  const skip = new Set(exclude);
  const normal = scored.filter((p, i) => p.timestamp >= from && smooth[i] < threshold && !skip.has(p.timestamp)).map((p) => p.value);
  if (normal.length < MIN_NORMAL_POINTS) return undefined;
  return {
    lower: Math.min(...normal),
    upper: Math.max(...normal),
    basis: `values scored below ${formatScore(threshold)} in the last ${recent.length} points`,
    from,
  };
}

/**
 * The values a MAD model does not flag at `threshold`: median ± threshold · MAD / 0.6745.
 * @example expectedFromMad({ median: 10, mad: 0.6745 }, 3.5) // => { lower: 6.5, upper: 13.5, basis: "MAD z-score ≤ 3.50 around the median 10" }
 */
export function expectedFromMad(model: MadModel, threshold: number): ExpectedRange {
  const half = (threshold * model.mad) / MAD_CONSTANT;
  return {
    lower: model.median - half,
    upper: model.median + half,
    basis: `MAD z-score ≤ ${formatScore(threshold)} around the median ${formatValue(model.median)}`,
  };
}
