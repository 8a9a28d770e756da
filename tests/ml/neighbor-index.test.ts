// f/anomstack/ml/neighbor-index.ts: the KD-tree's k nearest rows equal a full scan's, ties by row index.
import { describe, expect, it } from "vitest";
import { NeighborIndex } from "../../f/anomstack/ml/neighbor-index.ts";
import { rng } from "./helpers.ts";

/** The k nearest rows by a full scan: (squared distance, row) ascending. */
function scan(data: number[], n: number, p: number, q: number[], k: number, self: number): { sq: number[]; idx: number[] } {
  const all: [number, number][] = [];
  for (let t = 0; t < n; t++) {
    if (t === self) continue;
    let acc = 0;
    for (let j = 0; j < p; j++) acc += (q[j] - data[t * p + j]) ** 2;
    all.push([acc, t]);
  }
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const best = all.slice(0, k);
  return { sq: best.map((b) => b[0]), idx: best.map((b) => b[1]) };
}

describe("NeighborIndex", () => {
  const cases: [string, number, number, (r: () => number) => number][] = [
    ["continuous 1-D", 300, 1, (r) => r()],
    ["continuous 6-D", 400, 6, (r) => r() * 10 - 5],
    ["integer grid with many ties and duplicates, 3-D", 300, 3, (r) => Math.floor(r() * 4)],
    ["all rows identical", 40, 2, () => 1],
  ];
  for (const [name, n, p, gen] of cases) {
    it(`${name}: equals a full scan for k = 1, 7, 20 (training rows without themselves, and new rows)`, () => {
      const r = rng(n + p);
      const data = Array.from({ length: n * p }, () => gen(r));
      const index = new NeighborIndex(data, n, p);
      for (const k of [1, 7, 20]) {
        const sq = new Float64Array(k);
        const idx = new Int32Array(k);
        for (let i = 0; i < n; i += 7) {
          const q = data.slice(i * p, (i + 1) * p);
          index.query(q, 0, k, i, sq, idx);
          expect({ sq: Array.from(sq), idx: Array.from(idx) }).toEqual(scan(data, n, p, q, k, i));
        }
        const q = Array.from({ length: p }, () => gen(r) + 0.5);
        index.query(q, 0, k, -1, sq, idx);
        expect({ sq: Array.from(sq), idx: Array.from(idx) }).toEqual(scan(data, n, p, q, k, -1));
      }
    });
  }

  it("fewer rows than k leave Infinity and -1", () => {
    const index = new NeighborIndex([0, 1, 3], 3, 1);
    const sq = new Float64Array(3);
    const idx = new Int32Array(3);
    index.query([1], 0, 3, 1, sq, idx);
    expect(Array.from(idx)).toEqual([0, 2, -1]);
    expect(Array.from(sq)).toEqual([1, 4, Infinity]);
  });
});
