// Snooze-like suppression of repeated detections, on the score itself: after a high score, the next
// points of the same incident keep their score only if they go higher still; a new incident (after
// score_suppress_quiet_n quiet points) scores in full. Threshold-free, so it works for any alert threshold (and for NAB's sweep).
//nobundling

/**
 * Whether each score starts a new incident: the `quietN` scores before it (of the same scoring pass, i.e.
 * by the same models) are all 0 (`score_suppress_quiet_n`). The first rows, without that many before
 * them, are not; quietN = 0: none is (every score counts as a repeat).
 * @example quietBefore([0.9, 0, 0, 0, 0, 0, 0, 0.7], 6) // => [false, false, false, false, false, false, false, true]
 */
export function quietBefore(scores: ArrayLike<number>, quietN: number): boolean[] {
  const out = new Array<boolean>(scores.length).fill(false);
  if (quietN <= 0) return out;
  let zeros = 0;
  for (let i = 0; i < scores.length; i++) {
    out[i] = i >= quietN && zeros >= quietN;
    zeros = scores[i] === 0 ? zeros + 1 : 0;
  }
  return out;
}

/**
 * `out[i] = s[i]` when `s[i]` is above every kept score of the `n` points before it, or when `fresh[i]`
 * (a new incident: the points before it scored 0, see {@link quietBefore}), else 0; rows marked `fixed`
 * (already stored) keep their score and count as they are; NaN rows (not scored) stay NaN and do not
 * count. n = 0 returns a copy.
 *
 * @example Array.from(suppressRepeats([0.2, 0.9, 0.5, 0.95, 0.3, 0.4], 2)); // [0.2, 0.9, 0, 0.95, 0, 0]
 */
export function suppressRepeats(s: ArrayLike<number>, n: number, fixed?: ArrayLike<boolean>, fresh?: ArrayLike<boolean>): Float64Array {
  if (!Number.isInteger(n) || n < 0) throw new Error(`suppression window must be a non-negative integer, got ${n}`);
  const out = Float64Array.from(s);
  if (n === 0) return out;
  for (let i = 0; i < out.length; i++) {
    if (fixed?.[i] || Number.isNaN(out[i]) || fresh?.[i]) continue;
    let max = 0;
    for (let j = Math.max(0, i - n); j < i; j++) if (out[j] > max) max = out[j];
    if (!(out[i] > max)) out[i] = 0;
  }
  return out;
}
