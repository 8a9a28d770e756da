// Snooze-like suppression of repeated detections, on the score itself: after a high score, the next
// points keep their score only if they go higher still. Threshold-free, so it works for any alert
// threshold (and for NAB's threshold sweep).
//nobundling

/**
 * `out[i] = s[i]` when `s[i]` is above every kept score of the `n` points before it, else 0; rows marked
 * `fixed` (already stored) keep their score and count as they are; NaN rows (not scored) stay NaN and
 * do not count. n = 0 returns a copy.
 *
 * @example Array.from(suppressRepeats([0.2, 0.9, 0.5, 0.95, 0.3, 0.4], 2)); // [0.2, 0.9, 0, 0.95, 0, 0]
 */
export function suppressRepeats(s: ArrayLike<number>, n: number, fixed?: ArrayLike<boolean>): Float64Array {
  if (!Number.isInteger(n) || n < 0) throw new Error(`suppression window must be a non-negative integer, got ${n}`);
  const out = Float64Array.from(s);
  if (n === 0) return out;
  for (let i = 0; i < out.length; i++) {
    if (fixed?.[i] || Number.isNaN(out[i])) continue;
    let max = 0;
    for (let j = Math.max(0, i - n); j < i; j++) if (out[j] > max) max = out[j];
    if (!(out[i] > max)) out[i] = 0;
  }
  return out;
}
