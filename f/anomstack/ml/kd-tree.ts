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
  private readonly stackNode: Int32Array;
  private readonly stackBound: Float64Array;
  private depth = 0;

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
    this.q = new Float64Array(dims);
    const src = Float64Array.from(data);
    for (let i = 0; i < src.length; i++) {
      if (!Number.isFinite(src[i])) throw new Error(`KdTree: non-finite coordinate ${src[i]} at index ${i}`);
    }
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    this.nodes = 1;
    this.build(src, idx, 0, 0, n, leafSize, 1);
    // Depth-first traversal pops one node and pushes at most two per level.
    this.stackNode = new Int32Array(this.depth + 2);
    this.stackBound = new Float64Array(this.depth + 2);
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
    if (!Number.isInteger(kk) || kk < 1 || kk > this.n) throw new Error(`KdTree: k=${kk} not in [1, ${this.n}]`);
    if (out.length < kk) throw new Error(`KdTree: output buffer of ${out.length} < k=${kk}`);
    if (this.heap.length < kk) this.heap = new Float64Array(kk);
    const d = this.dims;
    const q = this.q;
    for (let j = 0; j < d; j++) {
      const x = query[qOff + j];
      if (!Number.isFinite(x)) throw new Error(`KdTree: non-finite query coordinate ${x} at index ${qOff + j}`);
      q[j] = x;
    }
    const h = this.heap;
    const pts = this.points;
    const lo = this.lo;
    const hi = this.hi;
    const left = this.left;
    const bmin = this.boxMin;
    const bmax = this.boxMax;
    const stackNode = this.stackNode;
    const stackBound = this.stackBound;
    let count = 0;
    let sp = 1;
    stackNode[0] = 0;
    stackBound[0] = 0;
    while (sp > 0) {
      sp--;
      const node = stackNode[sp];
      if (count === kk && stackBound[sp] >= h[0]) continue;
      const l = left[node];
      if (l < 0) {
        for (let t = lo[node], end = hi[node]; t < end; t++) {
          let acc = 0;
          const po = t * d;
          for (let j = 0; j < d; j++) {
            const g = q[j] - pts[po + j];
            acc += g * g;
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
        continue;
      }
      // Squared distances to both children's boxes. Branch-free per-dimension gap:
      // 0.5 * ((a + |a|) + (b + |b|)) equals max(a, 0) + max(b, 0) exactly, and at
      // most one of a = min - x, b = x - max is positive.
      const ol = l * d;
      const or = ol + d;
      let bl = 0;
      let br = 0;
      for (let j = 0; j < d; j++) {
        const x = q[j];
        const a1 = bmin[ol + j] - x;
        const a2 = x - bmax[ol + j];
        const gl = 0.5 * (a1 + Math.abs(a1) + (a2 + Math.abs(a2)));
        bl += gl * gl;
        const b1 = bmin[or + j] - x;
        const b2 = x - bmax[or + j];
        const gr = 0.5 * (b1 + Math.abs(b1) + (b2 + Math.abs(b2)));
        br += gr * gr;
      }
      // Push the farther child first so the nearer one is searched first.
      if (bl <= br) {
        stackNode[sp] = l + 1;
        stackBound[sp++] = br;
        stackNode[sp] = l;
        stackBound[sp++] = bl;
      } else {
        stackNode[sp] = l;
        stackBound[sp++] = bl;
        stackNode[sp] = l + 1;
        stackBound[sp++] = br;
      }
    }
    // heap -> ascending order (heap sort of the small buffer)
    for (let m = kk - 1; m >= 0; m--) {
      out[m] = h[0];
      h[0] = h[m];
      siftDown(h, 0, m);
    }
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
