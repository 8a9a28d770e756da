// Exact k-nearest-neighbour search (Euclidean) with a KD-tree over flat
// Float64Array storage: median splits, bounding-box pruning, bounded max-heap.

/** Default number of points per leaf. */
export const KD_LEAF_SIZE = 12;

/**
 * A static KD-tree over `n` points of dimension `dims`.
 *
 * Build: each node holds a contiguous range of an index permutation and its
 * bounding box; a node with more than `leafSize` points is split at the median
 * (quickselect) of its widest dimension (scikit-learn's KDTree rule). Points are
 * copied into tree order so leaves scan contiguous memory.
 *
 * Query: depth-first with an explicit stack, nearer child first, keeping the
 * `kk` smallest squared distances in a bounded max-heap; a node is skipped when
 * the squared distance from the query to its bounding box is not below the
 * current k-th best (tighter than the distance to the splitting plane).
 * Exactness: the box bound is summed over dimensions in the same order as the
 * point distances, and IEEE rounding is monotone, so the bound never exceeds a
 * computed point distance: results equal a brute-force scan bit for bit.
 *
 * @example
 * const t = new KdTree(Float64Array.of(0, 0, 3, 4, 1, 0), 3, 2);
 * const out = new Float64Array(2);
 * t.nearestSquared(Float64Array.of(0, 0), 0, 2, out);
 * Array.from(out); // [0, 1]
 */
export class KdTree {
  readonly n: number;
  readonly dims: number;
  /** Points in tree order, row-major `n x dims`. */
  readonly points: Float64Array;
  /** `index[t]` = original row of tree position `t`. */
  readonly index: Int32Array;
  private readonly lo: Int32Array;
  private readonly hi: Int32Array;
  /** First child (the second is `left + 1`), or -1 for a leaf. */
  private readonly left: Int32Array;
  private readonly boxMin: Float64Array;
  private readonly boxMax: Float64Array;
  private nodes = 0;
  // query scratch buffers
  /** Copy of the current query point (keeps the hot loops monomorphic on Float64Array). */
  private readonly q: Float64Array;
  private heap = new Float64Array(0);
  /** Split dimension and value of each inner node: left points ≤ value ≤ right points. */
  private readonly splitDim: Int32Array;
  private readonly splitVal: Float64Array;
  /** Per-dimension offset of the query from the current cell, for incremental bounds. */
  private readonly off: Float64Array;
  private depth = 0;
  // state of the running search
  private count = 0;
  private kk = 0;
  private stopAt = -1;
  private stopped = false;

  /**
   * @param data row-major `n x dims` finite coordinates (copied, not retained).
   * @throws Error on bad sizes, a non-finite coordinate or a non-positive leaf size.
   */
  constructor(data: ArrayLike<number>, n: number, dims: number, leafSize: number = KD_LEAF_SIZE) {
    if (!Number.isInteger(n) || !Number.isInteger(dims) || n < 0 || dims < 1 || data.length !== n * dims) {
      throw new Error(`KdTree: bad shape ${n}x${dims} for ${data.length} values`);
    }
    if (!Number.isInteger(leafSize) || leafSize < 1) throw new Error(`KdTree: bad leaf size ${leafSize}`);
    this.n = n;
    this.dims = dims;
    // A split node has > leafSize points, so every leaf has >= floor((leafSize + 1) / 2).
    const minLeaf = Math.max(1, Math.floor((leafSize + 1) / 2));
    const maxNodes = Math.max(1, 2 * Math.ceil(n / minLeaf));
    this.lo = new Int32Array(maxNodes);
    this.hi = new Int32Array(maxNodes);
    this.left = new Int32Array(maxNodes);
    this.boxMin = new Float64Array(maxNodes * dims);
    this.boxMax = new Float64Array(maxNodes * dims);
    this.splitDim = new Int32Array(maxNodes);
    this.splitVal = new Float64Array(maxNodes);
    this.off = new Float64Array(dims);
    this.q = new Float64Array(dims);
    const src = Float64Array.from(data);
    for (let i = 0; i < src.length; i++) {
      if (!Number.isFinite(src[i])) throw new Error(`KdTree: non-finite coordinate ${src[i]} at index ${i}`);
    }
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    this.nodes = 1;
    this.build(src, idx, 0, 0, n, leafSize, 1);
    this.index = idx;
    this.points = new Float64Array(n * dims);
    for (let t = 0; t < n; t++) {
      const o = idx[t] * dims;
      for (let j = 0; j < dims; j++) this.points[t * dims + j] = src[o + j];
    }
  }

  private build(src: Float64Array, idx: Int32Array, node: number, lo: number, hi: number, leafSize: number, depth: number): void {
    if (depth > this.depth) this.depth = depth;
    const d = this.dims;
    const bmin = this.boxMin;
    const bmax = this.boxMax;
    const b = node * d;
    for (let j = 0; j < d; j++) {
      bmin[b + j] = Infinity;
      bmax[b + j] = -Infinity;
    }
    for (let t = lo; t < hi; t++) {
      const o = idx[t] * d;
      for (let j = 0; j < d; j++) {
        const x = src[o + j];
        if (x < bmin[b + j]) bmin[b + j] = x;
        if (x > bmax[b + j]) bmax[b + j] = x;
      }
    }
    this.lo[node] = lo;
    this.hi[node] = hi;
    this.left[node] = -1;
    if (hi - lo <= leafSize) return;
    let dim = 0;
    let spread = -1;
    for (let j = 0; j < d; j++) {
      const s = bmax[b + j] - bmin[b + j];
      if (s > spread) {
        spread = s;
        dim = j;
      }
    }
    if (!(spread > 0)) return; // all points identical: keep as one leaf
    const mid = (lo + hi) >>> 1;
    select(src, idx, d, dim, lo, hi - 1, mid);
    this.splitDim[node] = dim;
    this.splitVal[node] = src[idx[mid] * d + dim];
    const l = this.nodes;
    this.nodes += 2;
    this.left[node] = l;
    this.build(src, idx, l, lo, mid, leafSize, depth + 1);
    this.build(src, idx, l + 1, mid, hi, leafSize, depth + 1);
  }

  /**
   * Writes the `kk` smallest squared Euclidean distances from the point
   * `q[qOff .. qOff + dims)` to the tree's points into `out[0..kk)`, ascending.
   * A tree point equal to the query counts (distance 0).
   *
   * @throws Error when `kk` is not an integer in `[1, n]`, `out` is too short or
   *   a query coordinate is non-finite.
   */
  nearestSquared(query: ArrayLike<number>, qOff: number, kk: number, out: Float64Array): void {
    if (out.length < kk) throw new Error(`KdTree: output buffer of ${out.length} < k=${kk}`);
    this.search(query, qOff, kk, Infinity, -1);
    const h = this.heap;
    // heap -> ascending order (heap sort of the small buffer)
    for (let m = kk - 1; m >= 0; m--) {
      out[m] = h[0];
      h[0] = h[m];
      siftDown(h, 0, m);
    }
  }

  /**
   * The `kk`-th smallest squared distance from the query to the tree's points, searched with two
   * shortcuts that keep it exact for what callers ask:
   * - `bound`: only distances below it are looked for; when fewer than `kk` exist, `bound` is returned
   *   (so "is the k-th distance below m, and if so what is it" costs a small range search);
   * - `stopAt`: the search stops as soon as `kk` distances ≤ `stopAt` are found and returns the
   *   current k-th best, which is then ≤ `stopAt` (so "can this point beat the max" stops early).
   * With `bound = Infinity` and `stopAt = -1` it is the exact k-th smallest squared distance.
   */
  kthSquared(query: ArrayLike<number>, qOff: number, kk: number, bound: number, stopAt: number): number {
    this.search(query, qOff, kk, bound, stopAt);
    return this.heap[0];
  }

  /** Fills `heap[0..kk)` (a max-heap) with the kk best squared distances; see {@link kthSquared}. */
  private search(query: ArrayLike<number>, qOff: number, kk: number, bound: number, stopAt: number): void {
    if (!Number.isInteger(kk) || kk < 1 || kk > this.n) throw new Error(`KdTree: k=${kk} not in [1, ${this.n}]`);
    if (this.heap.length < kk) this.heap = new Float64Array(kk);
    const d = this.dims;
    for (let j = 0; j < d; j++) {
      const x = query[qOff + j];
      if (!Number.isFinite(x)) throw new Error(`KdTree: non-finite query coordinate ${x} at index ${qOff + j}`);
      this.q[j] = x;
      this.off[j] = 0;
    }
    // A finite bound pre-fills the heap, so only distances below it get in.
    this.count = 0;
    if (bound !== Infinity) {
      this.heap.fill(bound, 0, kk);
      this.count = kk;
    }
    this.kk = kk;
    this.stopAt = stopAt;
    this.stopped = false;
    this.visit(0, 0);
  }

  /**
   * Depth-first, nearer child first. `rd` is a lower bound of the squared distance from the query
   * to the cell of `node`, kept incrementally from the split planes (Arya & Mount): entering the far
   * child only changes the offset along the split dimension. A cell is skipped when its bound, shrunk
   * by a relative 1e-12 to absorb rounding, is not below the k-th best: so no point that a full scan
   * would keep is ever skipped, and the distances found are the scan's, bit for bit.
   */
  private visit(node: number, rd: number): void {
    const l = this.left[node];
    if (l < 0) {
      this.scanLeaf(node);
      return;
    }
    const dim = this.splitDim[node];
    const diff = this.q[dim] - this.splitVal[node];
    const near = diff < 0 ? l : l + 1;
    this.visit(near, rd);
    if (this.stopped) return;
    const old = this.off[dim];
    const farRd = rd - old * old + diff * diff;
    if (this.count === this.kk && farRd * (1 - 1e-12) >= this.heap[0]) return;
    this.off[dim] = diff;
    this.visit(near === l ? l + 1 : l, farRd);
    this.off[dim] = old;
  }

  private scanLeaf(node: number): void {
    const d = this.dims;
    const q = this.q;
    const h = this.heap;
    const pts = this.points;
    const kk = this.kk;
    let count = this.count;
    for (let t = this.lo[node], end = this.hi[node]; t < end; t++) {
      let acc = 0;
      const po = t * d;
      if (count < kk) {
        for (let j = 0; j < d; j++) {
          const g = q[j] - pts[po + j];
          acc += g * g;
        }
      } else {
        // Stop summing once the partial sum reaches the k-th best: the point cannot get in.
        const worst = h[0];
        let j = 0;
        for (; j < d; j++) {
          const g = q[j] - pts[po + j];
          acc += g * g;
          if (acc >= worst) break;
        }
        if (j < d) continue;
      }
      if (count < kk) {
        let c = count++;
        h[c] = acc;
        while (c > 0) {
          const parent = (c - 1) >> 1;
          if (h[parent] >= h[c]) break;
          const tmp = h[parent];
          h[parent] = h[c];
          h[c] = tmp;
          c = parent;
        }
      } else if (acc < h[0]) {
        h[0] = acc;
        siftDown(h, 0, kk);
      }
    }
    this.count = count;
    if (count === kk && h[0] <= this.stopAt) this.stopped = true;
  }
}

/** Restores the max-heap property below position `i` of `h[0..size)`. */
function siftDown(h: Float64Array, i: number, size: number): void {
  for (;;) {
    const a = 2 * i + 1;
    if (a >= size) return;
    const b = a + 1;
    const c = b < size && h[b] > h[a] ? b : a;
    if (h[c] <= h[i]) return;
    const tmp = h[c];
    h[c] = h[i];
    h[i] = tmp;
    i = c;
  }
}

/**
 * Quickselect (Hoare partition) on `idx[lo..hi]` (inclusive) by coordinate `dim`
 * so that `idx[k]` holds the k-th smallest and the sides are partitioned.
 */
function select(src: Float64Array, idx: Int32Array, d: number, dim: number, lo: number, hi: number, k: number): void {
  while (hi > lo) {
    const pivot = src[idx[(lo + hi) >>> 1] * d + dim];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (src[idx[i] * d + dim] < pivot) i++;
      while (src[idx[j] * d + dim] > pivot) j--;
      if (i <= j) {
        const tmp = idx[i];
        idx[i] = idx[j];
        idx[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}
