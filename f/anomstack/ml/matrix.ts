// Dense row-major feature matrix shared by preprocessing and the detectors,
// plus small construction / access / validation helpers (pure maths, no I/O).
//nobundling

/**
 * A dense feature matrix: `data[i * cols + j]` is feature `j` of row `i`.
 *
 * Invariants: `data.length === rows * cols`, `timestamps.length === rows`,
 * `columns.length === cols`. This mirrors the pandas DataFrame Anomstack feeds
 * to PyOD (index = `metric_timestamp`, columns = `metric_value`, `lag_1`, ...).
 *
 * Kept beside ml-matrix (which the PCA uses for its eigendecomposition) for speed:
 * the KD-tree, the KNN / RANGE / ZSCORE kernels and preprocessing read one flat
 * row-major `Float64Array`, while an ml-matrix `Matrix` is an array of row arrays
 * read through `get(i, j)`; building one from a 2,500 x 6 feature matrix alone
 * takes about as long as the whole PCA fit (docs/detection.md, "PCA: ml-pca on
 * the covariance").
 *
 * @example
 * const m: FeatureMatrix = { rows: 1, cols: 2, data: Float64Array.of(1, 2), timestamps: [0], columns: ["a", "b"] };
 * m.data[0 * m.cols + 1]; // 2
 */
export interface FeatureMatrix {
  rows: number;
  cols: number;
  /** Row-major values, length `rows * cols`. */
  data: Float64Array;
  /** Epoch milliseconds per row. */
  timestamps: number[];
  /** Column names, length `cols`. */
  columns: string[];
}

/**
 * Default column names `col_0 .. col_{n-1}` used when none are given.
 *
 * @example
 * defaultColumns(2); // ["col_0", "col_1"]
 */
export function defaultColumns(cols: number): string[] {
  return Array.from({ length: cols }, (_, j) => `col_${j}`);
}

/**
 * Builds a matrix from an array of equally long rows.
 *
 * `timestamps` defaults to the row indices `0..rows-1`, `columns` to
 * `defaultColumns(cols)`. With zero rows the width is `columns.length` (or 0).
 *
 * @throws Error when rows have different lengths, or when `timestamps` /
 *   `columns` lengths do not match the rows / width.
 * @example
 * const m = fromRows([[1, 2], [3, 4]], [10, 20], ["a", "b"]);
 * [m.rows, m.cols, Array.from(m.data)]; // [2, 2, [1, 2, 3, 4]]
 */
export function fromRows(rows: number[][], timestamps?: number[], columns?: string[]): FeatureMatrix {
  const n = rows.length;
  const cols = n > 0 ? rows[0].length : (columns?.length ?? 0);
  const data = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (r.length !== cols) {
      throw new Error(`fromRows: row ${i} has ${r.length} values, expected ${cols}`);
    }
    for (let j = 0; j < cols; j++) data[i * cols + j] = r[j];
  }
  const ts = timestamps ? timestamps.slice() : Array.from({ length: n }, (_, i) => i);
  if (ts.length !== n) throw new Error(`fromRows: ${ts.length} timestamps for ${n} rows`);
  const names = columns ? columns.slice() : defaultColumns(cols);
  if (names.length !== cols) throw new Error(`fromRows: ${names.length} column names for ${cols} columns`);
  return { rows: n, cols, data, timestamps: ts, columns: names };
}

/**
 * Row `i` as a zero-copy `Float64Array` view into `m.data` (do not mutate it
 * unless you mean to modify the matrix).
 *
 * @throws RangeError when `i` is not an integer in `[0, rows)`.
 * @example
 * Array.from(row(fromRows([[1, 2], [3, 4]]), 1)); // [3, 4]
 */
export function row(m: FeatureMatrix, i: number): Float64Array {
  if (!Number.isInteger(i) || i < 0 || i >= m.rows) {
    throw new RangeError(`row index ${i} out of range [0, ${m.rows})`);
  }
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/**
 * The matrix as plain nested arrays (one array per row), e.g. for JSON.
 *
 * @example
 * toRows(fromRows([[1, 2], [3, 4]])); // [[1, 2], [3, 4]]
 */
export function toRows(m: FeatureMatrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

/**
 * Rows `[start, end)` as a new matrix (copying), with pandas/`Array.slice`
 * semantics for negative or out-of-range bounds. `sliceRows(m, -n)` is
 * pandas' `X.tail(n)`.
 *
 * @example
 * toRows(sliceRows(fromRows([[1], [2], [3]]), -2)); // [[2], [3]]
 */
export function sliceRows(m: FeatureMatrix, start: number, end: number = m.rows): FeatureMatrix {
  const ts = m.timestamps.slice(start, end);
  const s = ts.length === 0 ? 0 : start < 0 ? Math.max(0, m.rows + start) : Math.min(start, m.rows);
  const n = ts.length;
  return {
    rows: n,
    cols: m.cols,
    data: m.data.slice(s * m.cols, (s + n) * m.cols),
    timestamps: ts,
    columns: m.columns.slice(),
  };
}

/**
 * Checks the shape invariants and that every value is finite (PyOD's
 * `check_array` rejects NaN / inf too).
 *
 * @throws Error naming `where`, the row and the column of the first bad value.
 * @example
 * assertFiniteMatrix(fromRows([[1, NaN]]), "X"); // throws "X: non-finite value NaN at row 0, column col_1"
 */
export function assertFiniteMatrix(m: FeatureMatrix, where: string): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 0) {
    throw new Error(`${where}: invalid shape ${m.rows}x${m.cols}`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new Error(`${where}: data has ${m.data.length} values, expected ${m.rows}x${m.cols}`);
  }
  if (m.columns.length !== m.cols) {
    throw new Error(`${where}: ${m.columns.length} column names for ${m.cols} columns`);
  }
  const d = m.data;
  for (let k = 0; k < d.length; k++) {
    if (!Number.isFinite(d[k])) {
      const i = Math.floor(k / m.cols);
      throw new Error(`${where}: non-finite value ${d[k]} at row ${i}, column ${m.columns[k - i * m.cols]}`);
    }
  }
}
