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
 * Query: depth-first, nearer child first, keeping the `kk` smallest squared
 * distances in a bounded max-heap; a child is skipped when the squared distance
 * from the query to its bounding box is not below the current k-th best.
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
  // query state
  private heap = new Float64Array(0);
  private count = 0;
  private kk = 0;
  /** Copy of the current query point (keeps the hot loops monomorphic on Float64Array). */
  private readonly q: Float64Array;

  /**
   * @param data row-major `n x dims` coordinates (not modified, not retained).
   * @throws Error on bad sizes or a non-positive leaf size.
   */
  constructor(data: ArrayLike<number>, n: number, dims: number, leafSize: number = KD_LEAF_SIZE) {
    if (!Number.isInteger(n) || !Number.isInteger(dims) || n < 0 || dims < 1 || data.length !== n * dims) {
      throw new Error(`KdTree: bad shape ${n}x${dims} for ${data.length} values`);
    }
    if (!Number.isInteger(leafSize) || leafSize < 1) throw new Error(`KdTree: bad leaf size ${leafSize}`);
    this.n = n;
    this.dims = dims;
    const minLeaf = Math.max(1, Math.floor((leafSize + 1) / 2));
    const maxNodes = Math.max(1, 2 * Math.ceil(n / minLeaf));
    this.lo = new Int32Array(maxNodes);
    this.hi = new Int32Array(maxNodes);
    this.left = new Int32Array(maxNodes);
    this.boxMin = new Float64Array(maxNodes * dims);
    this.boxMax = new Float64Array(maxNodes * dims);
    const src = Float64Array.from(data);
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    this.q = new Float64Array(dims);
    this.nodes = 1;
    this.build(src, idx, 0, 0, n, leafSize);
    this.index = idx;
    this.points = new Float64Array(n * dims);
    for (let t = 0; t < n; t++) {
      const o = idx[t] * dims;
      for (let j = 0; j < dims; j++) this.points[t * dims + j] = src[o + j];
    }
  }

  private build(src: Float64Array, idx: Int32Array, node: number, lo: number, hi: number, leafSize: number): void {
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
    const l = this.nodes;
    this.nodes += 2;
    this.left[node] = l;
    this.build(src, idx, l, lo, mid, leafSize);
    this.build(src, idx, l + 1, mid, hi, leafSize);
  }

  /**
   * Writes the `kk` smallest squared Euclidean distances from the point
   * `q[qOff .. qOff + dims)` to the tree's points into `out[0..kk)`, ascending.
   * A tree point equal to the query counts (distance 0).
   *
   * @throws Error when `kk` is not an integer in `[1, n]` or `out` is too short.
   */
  nearestSquared(q: ArrayLike<number>, qOff: number, kk: number, out: Float64Array): void {
    if (!Number.isInteger(kk) || kk < 1 || kk > this.n) throw new Error(`KdTree: k=${kk} not in [1, ${this.n}]`);
    if (out.length < kk) throw new Error(`KdTree: output buffer of ${out.length} < k=${kk}`);
    if (this.heap.length < kk) this.heap = new Float64Array(kk);
    this.count = 0;
    this.kk = kk;
    for (let j = 0; j < this.dims; j++) this.q[j] = q[qOff + j];
    this.search(0);
    // heap -> ascending order (heap sort of the small buffer)
    const h = this.heap;
    for (let m = kk - 1; m >= 0; m--) {
      out[m] = h[0];
      h[0] = h[m];
      siftDown(h, 0, m);
    }
  }

  private boxDistance(node: number): number {
    const d = this.dims;
    const q = this.q;
    const b = node * d;
    let acc = 0;
    for (let j = 0; j < d; j++) {
      const x = q[j];
      const mn = this.boxMin[b + j];
      const mx = this.boxMax[b + j];
      if (x < mn) {
        const g = mn - x;
        acc += g * g;
      } else if (x > mx) {
        const g = x - mx;
        acc += g * g;
      }
    }
    return acc;
  }

  private search(node: number): void {
    const l = this.left[node];
    if (l < 0) {
      const d = this.dims;
      const q = this.q;
      const pts = this.points;
      const h = this.heap;
      const kk = this.kk;
      for (let t = this.lo[node], end = this.hi[node]; t < end; t++) {
        let acc = 0;
        const po = t * d;
        for (let j = 0; j < d; j++) {
          const g = q[j] - pts[po + j];
          acc += g * g;
        }
        if (this.count < kk) {
          let c = this.count++;
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
      return;
    }
    const bl = this.boxDistance(l);
    const br = this.boxDistance(l + 1);
    const first = bl <= br ? l : l + 1;
    const second = bl <= br ? l + 1 : l;
    const bFirst = bl <= br ? bl : br;
    const bSecond = bl <= br ? br : bl;
    if (this.count < this.kk || bFirst < this.heap[0]) this.search(first);
    if (this.count < this.kk || bSecond < this.heap[0]) this.search(second);
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
