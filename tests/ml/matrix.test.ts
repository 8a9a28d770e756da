// Tests for f/anomstack/ml/matrix.ts: construction, access and validation helpers.

import { describe, expect, it } from "vitest";
import { assertFiniteMatrix, defaultColumns, fromRows, row, sliceRows, toRows } from "../../f/anomstack/ml/matrix.ts";

describe("matrix helpers", () => {
  it("fromRows builds a row-major matrix with defaults", () => {
    const m = fromRows([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(m.rows).toBe(3);
    expect(m.cols).toBe(2);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(m.timestamps).toEqual([0, 1, 2]);
    expect(m.columns).toEqual(["col_0", "col_1"]);
    expect(defaultColumns(3)).toEqual(["col_0", "col_1", "col_2"]);
    const n = fromRows([[1, 2]], [10], ["a", "b"]);
    expect(n.timestamps).toEqual([10]);
    expect(n.columns).toEqual(["a", "b"]);
    const e = fromRows([], [], ["x", "y"]);
    expect([e.rows, e.cols, e.data.length]).toEqual([0, 2, 0]);
  });

  it("fromRows validates shapes", () => {
    expect(() => fromRows([[1, 2], [3]])).toThrow(/row 1 has 1 values, expected 2/);
    expect(() => fromRows([[1]], [1, 2])).toThrow(/2 timestamps for 1 rows/);
    expect(() => fromRows([[1]], undefined, ["a", "b"])).toThrow(/2 column names for 1 columns/);
  });

  it("row is a view, toRows copies", () => {
    const m = fromRows([
      [1, 2],
      [3, 4],
    ]);
    expect(Array.from(row(m, 1))).toEqual([3, 4]);
    expect(() => row(m, 2)).toThrow(RangeError);
    expect(() => row(m, -1)).toThrow(RangeError);
    expect(toRows(m)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it("sliceRows follows Array.slice semantics (tail = negative start)", () => {
    const m = fromRows([[1], [2], [3], [4]], [10, 20, 30, 40]);
    expect(toRows(sliceRows(m, -2))).toEqual([[3], [4]]);
    expect(sliceRows(m, -2).timestamps).toEqual([30, 40]);
    expect(toRows(sliceRows(m, 1, 3))).toEqual([[2], [3]]);
    expect(toRows(sliceRows(m, -10))).toEqual([[1], [2], [3], [4]]);
    expect(sliceRows(m, 5).rows).toBe(0);
    const s = sliceRows(m, 0, 1);
    s.data[0] = 99;
    expect(m.data[0]).toBe(1);
  });

  it("assertFiniteMatrix reports the first bad value and shape problems", () => {
    expect(() =>
      assertFiniteMatrix(
        fromRows([
          [1, 2],
          [3, NaN],
        ]),
        "X",
      ),
    ).toThrow("X: non-finite value NaN at row 1, column col_1");
    expect(() => assertFiniteMatrix(fromRows([[Infinity]]), "Y")).toThrow(/Y: non-finite value Infinity at row 0/);
    expect(() => assertFiniteMatrix({ rows: 2, cols: 1, data: new Float64Array(1), timestamps: [0, 1], columns: ["a"] }, "Z")).toThrow(
      /Z: data has 1 values/,
    );
    expect(() => assertFiniteMatrix(fromRows([[1, 2]]), "ok")).not.toThrow();
  });
});
