// Exact k-nearest-neighbour search (Euclidean) with a KD-tree over flat Float64Array storage:
// median splits, incremental cell bounds, a bounded max-heap, and distance kernels unrolled per
// dimension count. Also answers the two whole-set questions KNN calibration asks: the smallest and
// the largest k-th neighbour distance over the tree's own points.
//nobundling

/** Default number of points per leaf. */
export const KD_LEAF_SIZE = 12;

/** Squared distances from the query `q` to the points `from .. to` of `pts`, written to `out[0 ..]`. */
type DistanceKernel = (pts: Float64Array, from: number, to: number, q: Float64Array, out: Float64Array) => void;

const kernels = new Map<number, DistanceKernel>();

/**
 * The distance kernel for `dims` columns, built once per dimension count. V8 does not unroll a loop
 * over a run-time dimension count; the unrolled kernel (query held in locals) scans points about
 * three times faster. It sums `(q_j - p_j)^2` for j = 0, 1, ... left to right, exactly as a plain
 * loop `acc += g * g` from 0 does, so the distances are the same bits.
 */
function distanceKernel(dims: number): DistanceKernel {
  let kernel = kernels.get(dims);
  if (!kernel) {
    const cols = Array.from({ length: dims }, (_, j) => j);
    const body = [
      '"use strict";',
      `const ${cols.map((j) => `q${j} = q[${j}]`).join(", ")};`,
      `for (let u = from, o = from * ${dims}, i = 0; u < to; u++, o += ${dims}, i++) {`,
      `  const ${cols.map((j) => `g${j} = q${j} - pts[o + ${j}]`).join(", ")};`,
      `  out[i] = ${cols.map((j) => `g${j} * g${j}`).join(" + ")};`,
      "}",
    ].join("\n");
    kernel = new Function("pts", "from", "to", "q", "out", body) as DistanceKernel;
    kernels.set(dims, kernel);
  }
  return kernel;
}

/**
 * A static KD-tree over `n` points of dimension `dims`.
 *
 * Build: each node holds a contiguous range of tree positions; a node with more than `leafSize`
 * points is split at the median (quickselect) of the widest side of its cell. Rows are moved into
 * tree order, so leaves scan contiguous memory. Each node then gets the tight bounding box of its
 * points (the leaf density order of the calibration searches uses them).
 *
 * Query: depth-first, nearer child first, keeping the `kk` smallest squared distances in a bounded
 * max-heap; a cell is skipped when the lower bound of its distance to the query (kept
 * incrementally from the split planes, shrunk by a relative 1e-12 to absorb rounding) is not below
 * the current k-th best. Every distance kept is computed exactly as a brute-force scan computes it,
 * and no cell that could hold a closer point is skipped, so results equal a scan bit for bit.
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
  /** Tree positions `lo[v] .. hi[v]` belong to node v. */
  private readonly lo: Int32Array;
  private readonly hi: Int32Array;
  /** First child (the second is `left + 1`), or -1 for a leaf. */
  private readonly left: Int32Array;
  /** Tight bounding box of each node, `nodes x dims`. */
  private readonly boxMin: Float64Array;
  private readonly boxMax: Float64Array;
  /** Split dimension and value of each inner node: left points ≤ value ≤ right points. */
  private readonly splitDim: Int32Array;
  private readonly splitVal: Float64Array;
  private nodes = 0;
  private densityOrder: Int32Array | undefined;
  private readonly kernel: DistanceKernel;
  // query scratch
  /** Copy of the current query point. */
  private readonly q: Float64Array;
  /** Per-dimension offset of the query from the current cell, for incremental bounds. */
  private readonly off: Float64Array;
  /** Distances of one leaf's points to the query. */
  private dist = new Float64Array(0);
  private heap = new Float64Array(0);
  // state of the running k-nearest search
  private count = 0;
  private kk = 0;
  private stopAt = -1;
  private stopped = false;
  // state of the running self-join (minKthSquared)
  private joinHeaps = new Float64Array(0);
  private joinBound = 0;
  private joinQuery = 0;
  private joinK = 0;

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
    this.kernel = distanceKernel(dims);
    // Rows are moved into tree order as the tree is built, so every pass reads contiguous memory.
    const pts = Float64Array.from(data);
    for (let i = 0; i < pts.length; i++) {
      if (!Number.isFinite(pts[i])) throw new Error(`KdTree: non-finite coordinate ${pts[i]} at index ${i}`);
    }
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    this.points = pts;
    this.index = idx;
    this.nodes = 1;
    this.hi[0] = n;
    this.pointsBox(0);
    this.build(pts, idx, 0, 0, n, leafSize);
    this.shrinkBoxes();
    let largestLeaf = 0;
    for (let v = 0; v < this.nodes; v++) {
      if (this.left[v] < 0) largestLeaf = Math.max(largestLeaf, this.hi[v] - this.lo[v]);
    }
    this.dist = new Float64Array(largestLeaf);
  }

  /**
   * Splits node `node` (tree positions `lo .. hi`) while it holds more than `leafSize` points, at
   * the median of the widest side of its cell (the root's box cut by the splits above, kept in the
   * node's box slots while building; cheaper than measuring every node's points).
   */
  private build(pts: Float64Array, idx: Int32Array, node: number, lo: number, hi: number, leafSize: number): void {
    const d = this.dims;
    const bmin = this.boxMin;
    const bmax = this.boxMax;
    const b = node * d;
    this.lo[node] = lo;
    this.hi[node] = hi;
    this.left[node] = -1;
    if (hi - lo <= leafSize) return;
    let dim = 0;
    let width = -1;
    for (let j = 0; j < d; j++) {
      if (bmax[b + j] - bmin[b + j] > width) {
        width = bmax[b + j] - bmin[b + j];
        dim = j;
      }
    }
    if (!(width > 0)) return; // a point-sized cell: all its points are identical
    const mid = (lo + hi) >>> 1;
    select(pts, idx, d, dim, lo, hi - 1, mid);
    const value = pts[mid * d + dim];
    this.splitDim[node] = dim;
    this.splitVal[node] = value;
    const l = this.nodes;
    this.nodes += 2;
    this.left[node] = l;
    for (const child of [l, l + 1]) {
      bmin.copyWithin(child * d, b, b + d);
      bmax.copyWithin(child * d, b, b + d);
    }
    bmax[l * d + dim] = value;
    bmin[(l + 1) * d + dim] = value;
    this.build(pts, idx, l, lo, mid, leafSize);
    this.build(pts, idx, l + 1, mid, hi, leafSize);
  }

  /** Replaces every node's cell by the tight bounding box of its points, leaves first. */
  private shrinkBoxes(): void {
    const d = this.dims;
    const bmin = this.boxMin;
    const bmax = this.boxMax;
    for (let v = this.nodes - 1; v >= 0; v--) {
      const b = v * d;
      const l = this.left[v];
      if (l >= 0) {
        for (let j = 0; j < d; j++) {
          bmin[b + j] = Math.min(bmin[l * d + j], bmin[(l + 1) * d + j]);
          bmax[b + j] = Math.max(bmax[l * d + j], bmax[(l + 1) * d + j]);
        }
        continue;
      }
      this.pointsBox(v);
    }
  }

  /** Sets the box of node `v` to the bounding box of its points. */
  private pointsBox(v: number): void {
    const d = this.dims;
    const b = v * d;
    for (let j = 0; j < d; j++) {
      this.boxMin[b + j] = Infinity;
      this.boxMax[b + j] = -Infinity;
    }
    for (let o = this.lo[v] * d, end = this.hi[v] * d; o < end; o += d) {
      for (let j = 0; j < d; j++) {
        const x = this.points[o + j];
        if (x < this.boxMin[b + j]) this.boxMin[b + j] = x;
        if (x > this.boxMax[b + j]) this.boxMax[b + j] = x;
      }
    }
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

  /**
   * The largest, over the tree's points, of the `kk`-th smallest squared distance from a point to
   * the OTHER points (PyOD's largest KNN training score, squared, for `kk = n_neighbors`).
   *
   * Points are taken leaf by leaf, sparsest leaves (largest box volume per point) first, where
   * that distance is largest. A point cannot raise the maximum so far once `kk + 1` of its distances
   * (its own 0 included) are no larger than it: most points find them in their own leaf and need no
   * search; the others search only until they find them. Every value that does raise the maximum
   * comes from a full, exact search.
   * @throws Error when `kk` is not an integer in `[1, n - 1]`.
   */
  maxKthSquared(kk: number): number {
    this.checkSelfK(kk);
    const d = this.dims;
    const leaves = this.leavesByDensity();
    const dist = this.dist;
    let max = -1;
    for (let r = leaves.length - 1; r >= 0; r--) {
      const from = this.lo[leaves[r]];
      const to = this.hi[leaves[r]];
      for (let t = from; t < to; t++) {
        // Most points have k neighbours within the maximum in their own leaf: no search needed.
        if (max >= 0 && to - from > kk) {
          for (let j = 0; j < d; j++) this.q[j] = this.points[t * d + j];
          this.kernel(this.points, from, to, this.q, dist);
          let within = 0;
          for (let i = 0; i < to - from; i++) if (dist[i] <= max) within++;
          if (within > kk) continue;
        }
        const v = this.kthSquared(this.points, t * d, kk + 1, Infinity, max);
        if (v > max) max = v;
      }
    }
    return max;
  }

  /**
   * The smallest, over the tree's points, of the `kk`-th smallest squared distance from a point to
   * the OTHER points (PyOD's smallest KNN training score, squared, for `kk = n_neighbors`).
   *
   * 1. A bound B: the exact value for every point of the two densest leaves (smallest box volume
   *    per point), where the minimum usually is.
   * 2. A self-join below B: each pair of points closer than B is found once (from the point with the
   *    lower tree position, searching only higher positions) and offered to both points' k-best
   *    lists. After its own search a point has met every other point closer than B, so its list is
   *    final, and B drops to its k-th distance when that is lower.
   * A point whose k-th distance is below the final B has all k of those neighbours closer than
   * every bound used, so its list holds exactly them: the result is exactly the minimum a full
   * scan finds. Pairs are only ever searched below B, which after step 1 is close to the minimum.
   * @throws Error when `kk` is not an integer in `[1, n - 1]`.
   */
  minKthSquared(kk: number): number {
    this.checkSelfK(kk);
    const d = this.dims;
    const leaves = this.leavesByDensity();
    let bound = Infinity;
    for (let r = 0; r < Math.min(2, leaves.length); r++) {
      for (let t = this.lo[leaves[r]]; t < this.hi[leaves[r]]; t++) {
        const v = this.kthSquared(this.points, t * d, kk + 1, bound, -1);
        if (v < bound) bound = v;
      }
    }
    if (bound === 0) return 0;
    this.joinHeaps = new Float64Array(this.n * kk).fill(bound);
    this.joinK = kk;
    this.joinBound = bound;
    for (let t = 0; t < this.n - 1; t++) {
      for (let j = 0; j < d; j++) {
        this.q[j] = this.points[t * d + j];
        this.off[j] = 0;
      }
      this.joinQuery = t;
      this.joinVisit(0, 0);
      const kth = this.joinHeaps[t * kk];
      if (kth < this.joinBound) this.joinBound = kth;
    }
    return this.joinBound;
  }

  private checkSelfK(kk: number): void {
    if (!Number.isInteger(kk) || kk < 1 || kk > this.n - 1) throw new Error(`KdTree: k=${kk} not in [1, ${this.n - 1}]`);
  }

  /** Leaf nodes by ascending box volume per point (densest first); ties keep tree order. Computed once. */
  private leavesByDensity(): Int32Array {
    if (this.densityOrder) return this.densityOrder;
    const d = this.dims;
    const leaves: number[] = [];
    const volume = new Float64Array(this.nodes);
    for (let v = 0; v < this.nodes; v++) {
      if (this.left[v] >= 0) continue;
      leaves.push(v);
      let p = 1;
      for (let j = 0; j < d; j++) p *= this.boxMax[v * d + j] - this.boxMin[v * d + j];
      volume[v] = p / (this.hi[v] - this.lo[v]);
    }
    this.densityOrder = Int32Array.from(leaves.sort((a, b) => volume[a] - volume[b] || a - b));
    return this.densityOrder;
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
    const h = this.heap;
    const kk = this.kk;
    const from = this.lo[node];
    const to = this.hi[node];
    const dist = this.dist;
    this.kernel(this.points, from, to, this.q, dist);
    let count = this.count;
    for (let i = 0; i < to - from; i++) {
      const acc = dist[i];
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

  /** {@link visit} for the self-join: only tree positions after the query, only below the bound. */
  private joinVisit(node: number, rd: number): void {
    if (this.hi[node] <= this.joinQuery + 1) return;
    const l = this.left[node];
    if (l < 0) {
      this.joinLeaf(node);
      return;
    }
    const dim = this.splitDim[node];
    const diff = this.q[dim] - this.splitVal[node];
    const near = diff < 0 ? l : l + 1;
    this.joinVisit(near, rd);
    const old = this.off[dim];
    const farRd = rd - old * old + diff * diff;
    if (farRd * (1 - 1e-12) >= this.joinBound) return;
    this.off[dim] = diff;
    this.joinVisit(near === l ? l + 1 : l, farRd);
    this.off[dim] = old;
  }

  private joinLeaf(node: number): void {
    const t = this.joinQuery;
    const from = Math.max(this.lo[node], t + 1);
    const to = this.hi[node];
    const dist = this.dist;
    const bound = this.joinBound;
    const heaps = this.joinHeaps;
    const kk = this.joinK;
    this.kernel(this.points, from, to, this.q, dist);
    for (let i = 0; i < to - from; i++) {
      const acc = dist[i];
      if (acc >= bound) continue;
      offerToHeap(heaps, t * kk, kk, acc);
      offerToHeap(heaps, (from + i) * kk, kk, acc);
    }
  }
}

/** Restores the max-heap property of `h[base .. base + size)` after its top changed. */
function siftDown(h: Float64Array, base: number, size: number): void {
  let i = 0;
  for (;;) {
    const a = 2 * i + 1;
    if (a >= size) return;
    const b = a + 1;
    const c = b < size && h[base + b] > h[base + a] ? b : a;
    if (h[base + c] <= h[base + i]) return;
    const tmp = h[base + c];
    h[base + c] = h[base + i];
    h[base + i] = tmp;
    i = c;
  }
}

/** Puts `v` into the full max-heap `h[base .. base + size)` when it is below the top. */
function offerToHeap(h: Float64Array, base: number, size: number, v: number): void {
  if (!(v < h[base])) return;
  h[base] = v;
  siftDown(h, base, size);
}

/**
 * Quickselect (Hoare partition) of the rows `lo..hi` (inclusive) of `pts` by coordinate `dim`, moving
 * whole rows and their `idx` entries, so that row `k` holds the k-th smallest and the sides are
 * partitioned.
 */
function select(pts: Float64Array, idx: Int32Array, d: number, dim: number, lo: number, hi: number, k: number): void {
  while (hi > lo) {
    const pivot = pts[((lo + hi) >>> 1) * d + dim];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (pts[i * d + dim] < pivot) i++;
      while (pts[j * d + dim] > pivot) j--;
      if (i <= j) {
        const tmp = idx[i];
        idx[i] = idx[j];
        idx[j] = tmp;
        for (let c = 0, a = i * d, b = j * d; c < d; c++, a++, b++) {
          const x = pts[a];
          pts[a] = pts[b];
          pts[b] = x;
        }
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}
