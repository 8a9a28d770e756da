// f/anomstack/ml/mcd.ts against scikit-learn's MinCovDet (pyod_reference.json). FastMCD starts from random
// subsets, and scikit-learn's own result varies from seed to seed on most data: the deterministic steps
// (C-steps from given estimates, correction, reweighting, scores) are compared exactly, whole fits exactly
// where every scikit-learn seed agrees, and otherwise against the spread of scikit-learn's seeds.
import { describe, expect, it } from "vitest";
import { fromRows } from "../../f/anomstack/ml/matrix.ts";
import { chi2Cdf, chi2Quantile } from "../../f/anomstack/ml/chi2.ts";
import { fitMcd, mcdCStep, mcdFromRaw, mcdProblem, mcdRaw, mcdScores } from "../../f/anomstack/ml/mcd.ts";
import { expectClose } from "./helpers.ts";
import { pyodReference, spearman } from "./pyod-reference.ts";

const ref = pyodReference().mcd;

describe("chi-square quantiles vs scipy", () => {
  it("median and 97.5% quantile for 1..12 degrees of freedom to 1e-13", () => {
    for (const [k, [med, q975]] of Object.entries(ref.chi2)) {
      expectClose([chi2Quantile(Number(k), 0.5), chi2Quantile(Number(k), 0.975)], [med, q975], 1e-13);
    }
    expect(chi2Cdf(2, 2 * Math.log(2))).toBeCloseTo(0.5, 14); // chi2(2) is exponential with mean 2
    expect(() => chi2Quantile(0, 0.5)).toThrow(/positive integer/);
  });
});

describe("MCD vs scikit-learn: deterministic steps", () => {
  for (const [name, c] of Object.entries(ref.c_step)) {
    it(`c_step ${name}: location, covariance, log-det, support and distances`, () => {
      const X = fromRows(ref.datasets[c.dataset].train);
      const e = mcdCStep(X, c.h, { location: c.initial_location, covariance: c.initial_covariance.flat() }, c.iterations);
      expect(e.support).toEqual(c.support.map((s) => s === 1));
      expectClose(e.location, c.location, 1e-12);
      expectClose(e.covariance, c.covariance.flat(), 1e-12);
      expectClose([e.det], [c.det], 1e-12);
      expectClose(e.dist, c.dist, 1e-10);
    });
  }
  for (const [name, c] of Object.entries(ref.cases)) {
    it(`${name}: from scikit-learn's raw estimate, the reweighted estimate and scores to 1e-10`, () => {
      const d = ref.datasets[c.dataset];
      const X = fromRows(d.train);
      const { detector, trainScores } = mcdFromRaw(X, { support: c.raw_support, dist: c.raw_dist }, c.params);
      expect(detector.n_support).toBe(c.support_n);
      expectClose(detector.location, c.location, 1e-12);
      expectClose(detector.precision, c.precision.flat(), 1e-9);
      expectClose(trainScores, c.train_scores, 1e-10);
      expectClose(mcdScores(detector, fromRows(d.test)), c.test_scores, 1e-10);
    });
  }
});

describe("MCD vs scikit-learn: whole fits", () => {
  for (const [name, c] of Object.entries(ref.cases)) {
    const d = ref.datasets[c.dataset];
    if (c.seed_invariant) {
      it(`${name} (every scikit-learn seed agrees): the fit equals scikit-learn's to 1e-10`, () => {
        const { detector, trainScores } = fitMcd(fromRows(d.train), c.params);
        expect(detector.n_support).toBe(c.support_n);
        expectClose(detector.location, c.location, 1e-12);
        expectClose(trainScores, c.train_scores, 1e-10);
        expectClose(mcdScores(detector, fromRows(d.test)), c.test_scores, 1e-10);
      });
    } else if (!c.params.assume_centered) {
      it(`${name} (scikit-learn's result depends on its seed): raw log-det within scikit-learn's seeds, scores rank-correlated >= 0.98`, () => {
        const X = fromRows(d.train);
        const raw = mcdRaw(X, c.params);
        expect(raw.logDet).toBeLessThanOrEqual(Math.max(...c.raw_logdets) + 1e-9);
        const { trainScores } = fitMcd(X, c.params);
        expect(spearman(trainScores, c.train_scores)).toBeGreaterThanOrEqual(0.98);
      });
    }
  }

  it("univariate: the exact MCD; the support differs from scikit-learn's at most by the tie at the window's ends", () => {
    const c = ref.cases.univariate;
    const X = fromRows(ref.datasets.univariate.train);
    const raw = mcdRaw(X);
    expectClose(raw.location, c.raw_location, 1e-15);
    const differ = raw.support.flatMap((s, i) => (s !== (c.raw_support[i] === 1) ? [i] : []));
    expect(differ.length).toBeLessThanOrEqual(2);
    if (differ.length === 2) {
      const [a, b] = differ.map((i) => Math.abs(ref.datasets.univariate.train[i][0] - c.raw_location[0]));
      expect(a).toBeCloseTo(b, 12);
    }
  });
});

describe("MCD behaviour", () => {
  it("is reproducible: the same seed gives the same model, its JSON round-trips", () => {
    const X = fromRows(ref.datasets.walk.train);
    const a = fitMcd(X, { random_state: 3 });
    const b = fitMcd(X, { random_state: 3 });
    expect(JSON.stringify(a.detector)).toBe(JSON.stringify(b.detector));
    const back = JSON.parse(JSON.stringify(a.detector));
    expect(mcdProblem(back, 4)).toBeUndefined();
    expect(mcdProblem({ ...back, precision: [1] }, 4)).toMatch(/precision/);
    expect(Array.from(mcdScores(back, X))).toEqual(Array.from(a.trainScores));
  });

  it("outliers score far above the bulk; threshold_ marks about contamination of the rows", () => {
    const d = ref.datasets.far3;
    const { trainScores, threshold } = fitMcd(fromRows(d.train));
    const outliers = trainScores.slice(380);
    expect(Math.min(...outliers)).toBeGreaterThan(Math.max(...trainScores.slice(0, 380)));
    expect(trainScores.filter((s) => s > threshold).length).toBe(40);
  });

  it("refuses data whose support has zero covariance, and too few rows", () => {
    expect(() => fitMcd(fromRows([[1], [1], [1], [1], [1], [2]]))).toThrow(/covariance of the support rows is 0/);
    expect(() => fitMcd(fromRows([[1, 2]]))).toThrow(/MCD needs at least 2 rows/);
  });
});
