// Selection: the k-th smallest value and the median of an array in linear time on average, reordering
// it (quickselect), where a sort would be most of the work (MCD's subsets, the RANGE members' floors).
//nobundling

/** The k-th smallest value (0-based) of `a`, which it reorders (quickselect, median-of-three pivots). */
export function selectKth(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // Median of three as the pivot.
    let x = a[lo];
    let y = a[mid];
    let z = a[hi];
    if (x > y) [x, y] = [y, x];
    if (y > z) [y, z] = [z, y];
    if (x > y) [x, y] = [y, x];
    const pivot = y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/**
 * numpy's median of `a`, reordering it (pass a copy to keep the order).
 * @example medianInPlace(Float64Array.of(4, 1, 3, 2)) // => 2.5
 */
export function medianInPlace(a: Float64Array): number {
  const n = a.length;
  const h = n >> 1;
  const upper = selectKth(a, h);
  if (n % 2 === 1) return upper;
  let lower = a[0];
  for (let i = 1; i < h; i++) if (a[i] > lower) lower = a[i];
  return (lower + upper) / 2;
}
