// Exact k-nearest-neighbour search that returns the neighbours' rows (LOF needs them, not only the
// distances): a KD-tree whose answers equal a full scan's, ties at equal distance broken by row index.
//nobundling

/** Rows per leaf. */
const LEAF_SIZE = 16;

/**
 * A KD-tree over `n` rows of `p` columns (row-major). Nodes split the widest side of their tight
 * bounding box at the median; searches prune a node only when its box is strictly farther than the
 * current k-th neighbour, so a tie at that distance with a lower row index is still found.
 *
 * @example
 * const index = new NeighborIndex([0, 1, 3, 6], 4, 1);
 * const sq = new Float64Array(2), idx = new Int32Array(2);
 * index.query([1], 0, 2, 1, sq, idx); // idx = [0, 2] (row 1 itself excluded), sq = [1, 4]
 */
export class NeighborIndex {
  readonly n: number;
  readonly p: number;
  private readonly data: ArrayLike<number>;
  /** Rows in tree order; node v holds `order[lo[v] .. hi[v])`. */
  private readonly order: Int32Array;
  private readonly lo: number[] = [];
  private readonly hi: number[] = [];
  /** First child (the second is `left + 1`), -1 for a leaf. */
  private readonly left: number[] = [];
  /** Tight bounding boxes, `p` minima then `p` maxima per node. */
  private readonly box: number[] = [];

  constructor(data: ArrayLike<number>, n: number, p: number) {
    this.data = data;
    this.n = n;
    this.p = p;
    this.order = new Int32Array(n);
    for (let i = 0; i < n; i++) this.order[i] = i;
    if (n > 0) this.build(this.addNode(0, n));
  }

  private addNode(lo: number, hi: number): number {
    const v = this.lo.length;
    this.lo.push(lo);
    this.hi.push(hi);
    this.left.push(-1);
    const { p, data, order } = this;
    const mins = new Array<number>(p).fill(Infinity);
    const maxs = new Array<number>(p).fill(-Infinity);
    for (let t = lo; t < hi; t++) {
      const o = order[t] * p;
      for (let j = 0; j < p; j++) {
        const x = data[o + j];
        if (x < mins[j]) mins[j] = x;
        if (x > maxs[j]) maxs[j] = x;
      }
    }
    this.box.push(...mins, ...maxs);
    return v;
  }

  private build(v: number): void {
    const lo = this.lo[v];
    const hi = this.hi[v];
    if (hi - lo <= LEAF_SIZE) return;
    const { p } = this;
    let dim = 0;
    let width = -1;
    for (let j = 0; j < p; j++) {
      const w = this.box[v * 2 * p + p + j] - this.box[v * 2 * p + j];
      if (w > width) {
        width = w;
        dim = j;
      }
    }
    if (!(width > 0)) return; // all rows identical: one leaf
    const mid = (lo + hi) >> 1;
    this.selectMedian(lo, hi, mid, dim);
    const l = this.addNode(lo, mid);
    this.addNode(mid, hi);
    this.left[v] = l;
    this.build(l);
    this.build(l + 1);
  }

  /** Reorders `order[lo..hi)` so that position k holds the k-th value of column `dim` (quickselect). */
  private selectMedian(lo: number, hi: number, k: number, dim: number): void {
    const { order, data, p } = this;
    const key = (t: number) => data[order[t] * p + dim];
    let a = lo;
    let b = hi - 1;
    while (b > a) {
      const pivot = key((a + b) >> 1);
      let i = a;
      let j = b;
      while (i <= j) {
        while (key(i) < pivot) i++;
        while (key(j) > pivot) j--;
        if (i <= j) {
          const t = order[i];
          order[i] = order[j];
          order[j] = t;
          i++;
          j--;
        }
      }
      if (k <= j) b = j;
      else if (k >= i) a = i;
      else return;
    }
  }

  /**
   * The k nearest rows to query row `q[qOff ..]`, excluding row `self` (-1 for none): `sq` gets their
   * squared Euclidean distances ascending (the sum of squared column differences, in column order, as a
   * scan computes it), `idx` their rows; ties by lower row. Fewer than k rows leave Infinity / -1.
   */
  query(q: ArrayLike<number>, qOff: number, k: number, self: number, sq: Float64Array, idx: Int32Array): void {
    sq.fill(Infinity);
    idx.fill(-1);
    if (this.n === 0) return;
    if (!this.packed) this.pack();
    this.q = q;
    this.qOff = qOff;
    this.k = k;
    this.self = self;
    this.sq = sq;
    this.idx = idx;
    this.visit(0);
  }

  // Typed copies of the nodes, made once, and the current query (no allocation per visited node).
  private packed = false;
  private tLo = new Int32Array(0);
  private tHi = new Int32Array(0);
  private tLeft = new Int32Array(0);
  private tBox = new Float64Array(0);
  private q: ArrayLike<number> = [];
  private qOff = 0;
  private k = 0;
  private self = -1;
  private sq: Float64Array = new Float64Array(0);
  private idx: Int32Array = new Int32Array(0);

  private pack(): void {
    this.tLo = Int32Array.from(this.lo);
    this.tHi = Int32Array.from(this.hi);
    this.tLeft = Int32Array.from(this.left);
    this.tBox = Float64Array.from(this.box);
    this.packed = true;
  }

  private visit(v: number): void {
    const { k, sq, idx } = this;
    const left = this.tLeft[v];
    if (left < 0) {
      const { p, data, order, q, qOff, self } = this;
      const end = this.tHi[v];
      for (let t = this.tLo[v]; t < end; t++) {
        const row = order[t];
        if (row === self) continue;
        const o = row * p;
        let acc = 0;
        for (let j = 0; j < p; j++) {
          const g = q[qOff + j] - data[o + j];
          acc += g * g;
        }
        const worst = sq[k - 1];
        if (acc > worst || (acc === worst && idx[k - 1] >= 0 && row > idx[k - 1])) continue;
        let m = k - 1;
        while (m > 0 && (sq[m - 1] > acc || (sq[m - 1] === acc && idx[m - 1] > row))) {
          sq[m] = sq[m - 1];
          idx[m] = idx[m - 1];
          m--;
        }
        sq[m] = acc;
        idx[m] = row;
      }
      return;
    }
    const dl = this.boxDistance(left);
    const dr = this.boxDistance(left + 1);
    if (dl <= dr) {
      if (!(dl > sq[k - 1])) this.visit(left);
      if (!(dr > sq[k - 1])) this.visit(left + 1);
    } else {
      if (!(dr > sq[k - 1])) this.visit(left + 1);
      if (!(dl > sq[k - 1])) this.visit(left);
    }
  }

  /** Squared distance from the query to node v's box (0 inside it): never above a row's distance in it. */
  private boxDistance(v: number): number {
    const { p, q, qOff, tBox } = this;
    const base = v * 2 * p;
    let s = 0;
    for (let j = 0; j < p; j++) {
      const x = q[qOff + j];
      const lo = tBox[base + j];
      const hi = tBox[base + p + j];
      const d = x < lo ? lo - x : x > hi ? x - hi : 0;
      s += d * d;
    }
    return s;
  }
}
