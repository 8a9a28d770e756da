// Tests for the scoring members and calibrations beyond PCA and KNN: RANGE (range.ts), ZSCORE (zscore.ts),
// the range calibration (exceedance.ts), the likelihood calibration (likelihood.ts), the repeat
// suppression (suppress.ts), and how trainModel / predictProba / parseTrainedModel use them.
import { describe, expect, it } from "vitest";
import {
  decisionScores,
  erfc,
  fitLikelihood,
  fitRange,
  fitZscore,
  fromRows,
  likelihoodProba,
  logLikelihoodScore,
  parseTrainedModel,
  predictProba,
  rangeProba,
  rangeProbability,
  rangeScores,
  seasonalBucket,
  suppressRepeats,
  tailProbability,
  trainModel,
  zscoreScores,
  MAD_TO_SD,
  RANGE_HALF_SCORE,
  type TrainedModel,
} from "../../f/anomstack/ml/index.ts";

const HOUR = 3_600_000;
const MONDAY = Date.UTC(2024, 0, 1); // 2024-01-01 was a Monday

describe("RANGE", () => {
  it("measures the distance from the middle of the training range (JSDoc example)", () => {
    const m = fitRange(fromRows([[1], [3], [2]], [0, 1, 2]));
    expect(m).toEqual({ kind: "range", version: 1, seasonal: "none", profile: [], level: 2, center: 2 });
    expect(Array.from(rangeScores(m, fromRows([[2], [5], [0]], [3, 4, 5])))).toEqual([0, 3, 2]);
  });

  it("uses only the first feature column", () => {
    const m = fitRange(
      fromRows(
        [
          [1, 100],
          [3, -100],
        ],
        [0, 1],
      ),
    );
    expect(Array.from(rangeScores(m, fromRows([[4, 0]], [2])))).toEqual([2]);
  });

  it("removes the hour-of-day profile (mean per UTC hour; empty hours use the overall mean)", () => {
    // hour 0: 10 and 12 (mean 11); hour 1: 20 (mean 20); overall mean 14
    const ts = [MONDAY, MONDAY + 86_400_000, MONDAY + HOUR];
    const m = fitRange(fromRows([[10], [12], [20]], ts), { seasonal: "hour_of_day" });
    expect(m.profile[0]).toBe(11);
    expect(m.profile[1]).toBe(20);
    expect(m.profile[2]).toBeNull();
    expect(m.level).toBe(14);
    // residuals -1, 1, 0: center 0
    expect(m.center).toBe(0);
    const X = fromRows([[14], [25], [14]], [MONDAY + 2 * 86_400_000, MONDAY + 2 * 86_400_000 + HOUR, MONDAY + 2 * HOUR]);
    expect(Array.from(rangeScores(m, X))).toEqual([3, 5, 0]);
  });

  it("buckets by UTC hour of the day or of the week (Monday 00:00 = 0)", () => {
    expect(seasonalBucket(Date.UTC(2024, 0, 1, 5), "hour_of_week")).toBe(5);
    expect(seasonalBucket(Date.UTC(2024, 0, 7, 23), "hour_of_week")).toBe(167);
    expect(seasonalBucket(Date.UTC(2024, 0, 7, 23), "hour_of_day")).toBe(23);
    expect(seasonalBucket(Date.UTC(1969, 11, 31, 23), "hour_of_day")).toBe(23);
    const m = fitRange(fromRows([[1]], [MONDAY]), { seasonal: "hour_of_week" });
    expect(m.profile).toHaveLength(168);
  });

  it("rejects bad input", () => {
    expect(() => fitRange(fromRows([[1]]), { seasonal: "daily" as never })).toThrow(/seasonal must be one of none, hour_of_day, hour_of_week/);
    expect(() => fitRange(fromRows([[Number.NaN]]))).toThrow(/non-finite/);
  });
});

describe("ZSCORE", () => {
  it("is |x - median| / (1.4826 MAD) of the training window (JSDoc example)", () => {
    const m = fitZscore(fromRows([[1], [2], [3], [4], [100]]));
    expect(m).toEqual({ kind: "zscore", version: 1, median: 3, scale: MAD_TO_SD });
    expect(Array.from(zscoreScores({ kind: "zscore", version: 1, median: 3, scale: 2 }, fromRows([[3], [7]])))).toEqual([0, 2]);
  });

  it("falls back to the standard deviation, then to a tiny scale, when the MAD is 0", () => {
    expect(fitZscore(fromRows([[5], [5], [5], [7]])).scale).toBeCloseTo(Math.sqrt(0.75), 12);
    expect(fitZscore(fromRows([[5], [5]])).scale).toBe(5e-9);
  });
});

describe("range calibration", () => {
  it("maps the exceedance e (in range widths) to e / (e + 0.05)", () => {
    expect(RANGE_HALF_SCORE).toBe(0.05);
    expect(rangeProbability(0, 10, 10.5)).toBe(0.5);
    expect(rangeProbability(0, 10, 7)).toBe(0);
    expect(rangeProbability(0, 10, -3)).toBe(0); // only upwards: raw scores are distances
    expect(rangeProbability(0, 10, 11.5)).toBeCloseTo(0.75, 12);
    expect(rangeProbability(0, 10, 14.5)).toBeCloseTo(0.9, 12);
    expect(rangeProbability(5, 5, 5.1)).toBe(1);
    expect(rangeProbability(5, 5, 5)).toBe(0);
  });

  it("widens the range with the rows marked as scored after training", () => {
    expect(Array.from(rangeProba({ min: 0, max: 10 }, [10.5, 10.5, 11], [true, true, true]))).toEqual([0.5, 0, 0.4878048780487805]);
    expect(Array.from(rangeProba({ min: 0, max: 10 }, [10.5, 10.5], [false, false]))).toEqual([0.5, 0.5]);
    expect(() => rangeProba({ min: 0, max: 10 }, [Number.NaN], [true])).toThrow(/NaN score at row 0/);
    expect(() => rangeProba({ min: 1, max: 0 }, [1], [true])).toThrow(/invalid/);
  });
});

describe("likelihood calibration", () => {
  it("erfc and the normal tail", () => {
    expect(erfc(1)).toBeCloseTo(0.157299207050285, 7);
    expect(erfc(-1)).toBeCloseTo(1.842700792949715, 7);
    expect(erfc(3) / 2.209049699858544e-5).toBeCloseTo(1, 6); // relative accuracy in the tail
    expect(tailProbability(0)).toBeCloseTo(0.5, 7);
    expect(tailProbability(4.2649) / 1e-5).toBeCloseTo(1, 3);
  });

  it("reports Numenta's log scale: 0.5 at a tail probability of 1e-5", () => {
    expect(logLikelihoodScore(1)).toBe(0);
    expect(logLikelihoodScore(1e-5)).toBeCloseTo(0.5, 6);
    expect(logLikelihoodScore(1e-10)).toBeCloseTo(0.9699, 4);
    expect(logLikelihoodScore(0)).toBe(1);
  });

  it("fits the mean and spread of the recent means of the training scores (JSDoc example)", () => {
    expect(fitLikelihood([1, 2, 3, 4], 2)).toEqual({ mean: 2.5, std: 0.8164965809277263, window: 2 });
    expect(fitLikelihood([3], 10)).toEqual({ mean: 3, std: 3e-6, window: 10 });
    expect(() => fitLikelihood([], 10)).toThrow(/at least 1/);
  });

  it("scores the recent mean of each row and the rows before it, one-sided", () => {
    const p = likelihoodProba({ mean: 0, std: 1, window: 1 }, [0, 4.2649, -5]);
    expect(p[0]).toBeCloseTo(0.0301, 4);
    expect(p[1]).toBeCloseTo(0.5, 4);
    expect(p[2]).toBeLessThan(1e-6);
    // window 2: row 1's recent mean is (0 + 8.5298) / 2 = 4.2649
    expect(likelihoodProba({ mean: 0, std: 1, window: 2 }, [0, 8.5298])[1]).toBeCloseTo(0.5, 4);
  });
});

describe("suppressRepeats", () => {
  it("keeps a score only above every kept score of the n points before it (JSDoc example)", () => {
    expect(Array.from(suppressRepeats([0.2, 0.9, 0.5, 0.95, 0.3, 0.4], 2))).toEqual([0.2, 0.9, 0, 0.95, 0, 0]);
    expect(Array.from(suppressRepeats([0.9, 0.5], 0))).toEqual([0.9, 0.5]);
  });

  it("keeps stored scores as they are and skips unscored rows", () => {
    expect(Array.from(suppressRepeats([0.9, 0.8, 0.85], 5, [true, true, false]))).toEqual([0.9, 0.8, 0]);
    expect(Array.from(suppressRepeats([Number.NaN, 0.4, Number.NaN, 0.3], 3))).toEqual([Number.NaN, 0.4, Number.NaN, 0]);
    expect(() => suppressRepeats([1], -1)).toThrow(/non-negative integer/);
  });
});

describe("trainModel / predictProba with the new members and calibrations", () => {
  const ts = Array.from({ length: 6 }, (_, i) => i * 1000);
  const X = fromRows([[1], [3], [2], [2.5], [1.5], [2]], ts);

  it("RANGE + range calibration: 0 inside the training range, then the range widens", () => {
    const m = trainModel({ model_name: "RANGE", model_tag: "level" }, X, { calibration: "range" });
    // raw = |v - 2|: training scores 0..1
    expect(m).toMatchObject({ calibration: { min: 0, max: 1 }, calibration_method: "range", trained_until: 5000, n_train: 6 });
    const later = fromRows([[2.9], [3.1], [3.05], [3.2]], [6000, 7000, 8000, 9000]);
    // 3.1: raw 1.1, e = 0.1 -> 2/3; 3.05 is inside [0, 1.1]; 3.2: e = 0.1 / 1.1 -> 0.6451612903225806
    const close = (got: Float64Array, want: number[]) => {
      want.forEach((w, i) => {
        expect(got[i]).toBeCloseTo(w, 12);
      });
    };
    close(predictProba(m, later), [0, 2 / 3, 0, 0.6451612903225806]);
    // rows up to trained_until do not widen the range
    close(predictProba(m, fromRows([[3.1], [3.1]], [4000, 5000])), [2 / 3, 2 / 3]);
    const back = parseTrainedModel(JSON.parse(JSON.stringify(m)), "round trip");
    expect(back).toEqual(m);
  });

  it("ZSCORE with minmax, and the likelihood calibration on PCA", () => {
    const z = trainModel({ model_name: "ZSCORE", model_tag: "z" }, X);
    expect(z.calibration_method).toBeUndefined();
    expect(Array.from(decisionScores(z, fromRows([[2]], [9])))).toEqual([0]);
    const rows = Array.from({ length: 40 }, (_, i) => [Math.sin(i), Math.cos(i * 1.3)]);
    const P = fromRows(
      rows,
      rows.map((_, i) => i),
    );
    const pca = trainModel({ model_name: "PCA", model_tag: "p" }, P, { calibration: "likelihood" });
    expect(pca.likelihood).toMatchObject({ window: 10 });
    const p = predictProba(
      pca,
      fromRows(
        [
          [0, 0],
          [5, -5],
        ],
        [40, 41],
      ),
    );
    expect(p[1]).toBeGreaterThan(p[0]);
    expect(parseTrainedModel(JSON.stringify(pca), "lik")).toEqual(pca);
    expect(() => trainModel({ model_name: "PCA", model_tag: "p" }, P, { calibration: "sigmoid" as never })).toThrow(
      /calibration must be one of minmax, range, likelihood/,
    );
  });

  it("rejects malformed new models, naming the problem", () => {
    const range = JSON.parse(
      JSON.stringify(trainModel({ model_name: "RANGE", model_tag: "r", model_params: { seasonal: "hour_of_day" } }, X)),
    ) as TrainedModel;
    const broken = (edit: (o: any) => void): unknown => {
      const o = JSON.parse(JSON.stringify(range));
      edit(o);
      return o;
    };
    const cases: [unknown, RegExp][] = [
      [broken((o) => o.detector.profile.pop()), /profile must hold 24 numbers or nulls/],
      [broken((o) => (o.detector.kind = "pca")), /RANGE detector kind must be "range"/],
      [broken((o) => (o.calibration_method = "sigmoid")), /calibration_method must be one of/],
      [broken((o) => (o.calibration_method = "likelihood")), /likelihood calibration needs its fit/],
      [broken((o) => (o.trained_until = "yesterday")), /trained_until must be a finite number/],
      [broken((o) => (o.model_params = { seasonal: "daily" })), /model_params.seasonal for RANGE must be one of none, hour_of_day, hour_of_week/],
    ];
    for (const [value, re] of cases) expect(() => parseTrainedModel(value, "models/r.json")).toThrow(re);
  });
});
