// Tests for f/anomstack/ml/detector.ts: registry, training + calibration,
// predict_proba, JSON round trips and validation errors.

import { describe, expect, it } from "vitest";
import { calibrate } from "../../f/anomstack/ml/calibrate.ts";
import { decisionScores, MODEL_NAMES, parseTrainedModel, predictProba, trainModel, type TrainedModel } from "../../f/anomstack/ml/detector.ts";
import { fitKnn } from "../../f/anomstack/ml/knn.ts";
import { fromRows } from "../../f/anomstack/ml/matrix.ts";
import { fitPca, pcaScores } from "../../f/anomstack/ml/pca.ts";
import { preprocess } from "../../f/anomstack/ml/preprocess.ts";
import { expectClose, reference, rng } from "./helpers.ts";

const ref = reference();

function series(n: number, seed: number) {
  const r = rng(seed);
  const t0 = Date.UTC(2024, 0, 1);
  const timestamps = Array.from({ length: n }, (_, i) => t0 + i * 600_000);
  const values = timestamps.map((_, i) => 100 + 10 * Math.sin(i / 12) + r() * 3);
  return { timestamps, values };
}

const PARAMS = { diff_n: 1, smooth_n: 3, lags_n: 5, freq: null, freq_agg: "mean" as const };

describe("trainModel / predictProba", () => {
  const X = preprocess(series(300, 1), PARAMS);
  const spike = series(40, 2);
  spike.values[35] += 80;
  const T = preprocess(spike, PARAMS);

  for (const config of [
    { model_name: "PCA", model_tag: "pca_default", model_params: { contamination: 0.01 } },
    { model_name: "KNN", model_tag: "knn_default", model_params: { n_neighbors: 5, method: "mean" } },
    { model_name: "KNN", model_tag: "knn_plain" },
  ]) {
    it(`${config.model_tag}: trains, calibrates and survives JSON`, () => {
      const m = trainModel(config, X);
      expect(m).toMatchObject({ kind: "anomstack-model", version: 1, model_name: config.model_name, model_tag: config.model_tag });
      expect(m.model_params).toEqual(config.model_params ?? {});
      expect(m.columns).toEqual(["metric_value", "lag_1", "lag_2", "lag_3", "lag_4", "lag_5"]);
      expect(m.n_train).toBe(292);
      const p = predictProba(m, T);
      expect(p.length).toBe(T.rows);
      expect(p.every((x) => x >= 0 && x <= 1)).toBe(true);
      expect(Array.from(p)).toEqual(Array.from(calibrate(m.calibration, decisionScores(m, T))));
      // the spike (and the rows whose lags contain it) gets the top probability
      expect(p.indexOf(Math.max(...p))).toBeGreaterThanOrEqual(T.timestamps.indexOf(spike.timestamps[35]));
      const back = parseTrainedModel(JSON.parse(JSON.stringify(m)), "round trip");
      expect(back).toEqual(m);
      expect(Array.from(predictProba(back, T))).toEqual(Array.from(p));
      expect(Array.from(decisionScores(parseTrainedModel(JSON.stringify(m), "text"), T))).toEqual(Array.from(decisionScores(m, T)));
    });
  }

  it("calibration uses the PyOD training decision scores", () => {
    const pca = trainModel({ model_name: "PCA", model_tag: "p" }, X);
    const s = pcaScores(fitPca(X), X);
    expect(pca.calibration).toEqual({ min: Math.min(...s), max: Math.max(...s) });
    const knn = trainModel({ model_name: "KNN", model_tag: "k" }, X);
    const t = fitKnn(X).trainScores; // self excluded, unlike knnScores(model, X)
    expect(knn.calibration).toEqual({ min: Math.min(...t), max: Math.max(...t) });
  });

  it("matches the numpy reference end to end", () => {
    const pc = ref.pca.cases.mixed;
    const pd = ref.pca.datasets.mixed;
    const pm = trainModel({ model_name: "PCA", model_tag: "p" }, fromRows(pd.train));
    const lo = Math.min(...pc.train_scores);
    const hi = Math.max(...pc.train_scores);
    const expected = pc.test_scores.map((s) => Math.min(1, Math.max(0, (s - lo) / (hi - lo))));
    expectClose(predictProba(pm, fromRows(pd.test)), expected, 1e-9);
    const kc = ref.knn.cases.normal_k5_largest;
    const kd = ref.knn.datasets.normal;
    const km = trainModel({ model_name: "KNN", model_tag: "k", model_params: { n_neighbors: 5 } }, fromRows(kd.train));
    expectClose(decisionScores(km, fromRows(kd.test)), kc.test_scores, 1e-12);
  });
});

describe("JSDoc examples", () => {
  it("KNN with k=1 on [0, 1, 2, 4]", () => {
    const m = trainModel({ model_name: "KNN", model_tag: "knn", model_params: { n_neighbors: 1 } }, fromRows([[0], [1], [2], [4]]));
    expect(m.calibration).toEqual({ min: 1, max: 2 });
    expect(Array.from(decisionScores(m, fromRows([[3], [10]])))).toEqual([1, 6]);
    expect(Array.from(predictProba(m, fromRows([[3], [10]])))).toEqual([0, 1]);
    expect(parseTrainedModel(JSON.parse(JSON.stringify(m)), "models/knn.json")).toEqual(m);
    expect(() => parseTrainedModel({ kind: "x" }, "models/bad.json")).toThrow(
      'models/bad.json: invalid trained model: kind must be "anomstack-model", got "x"',
    );
  });
});

describe("trainModel validation", () => {
  const X = fromRows([
    [0, 1],
    [1, 0],
    [2, 2],
    [3, 1],
    [4, 4],
    [5, 2],
    [6, 3],
  ]);

  it("lists the valid model names", () => {
    expect(MODEL_NAMES).toEqual(["PCA", "KNN", "RANGE", "ZSCORE"]);
    expect(() => trainModel({ model_name: "IForest", model_tag: "x" }, X)).toThrow(
      'unknown model_name "IForest"; valid names: PCA, KNN, RANGE, ZSCORE',
    );
    expect(() => trainModel({ model_name: "pca", model_tag: "x" }, X)).toThrow(/valid names: PCA, KNN, RANGE, ZSCORE/);
  });

  it("rejects unknown or invalid params, naming them", () => {
    expect(() => trainModel({ model_name: "PCA", model_tag: "x", model_params: { n_neighbors: 3 } }, X)).toThrow(
      /unknown model_params key "n_neighbors" for PCA/,
    );
    expect(() => trainModel({ model_name: "KNN", model_tag: "x", model_params: { weighted: true } }, X)).toThrow(
      /unknown model_params key "weighted" for KNN/,
    );
    expect(() => trainModel({ model_name: "KNN", model_tag: "x", model_params: { n_neighbors: 0 } }, X)).toThrow(
      /model_params.n_neighbors for KNN must be a positive integer, got 0/,
    );
    expect(() => trainModel({ model_name: "KNN", model_tag: "x", model_params: { method: "max" } }, X)).toThrow(/model_params.method/);
    expect(() => trainModel({ model_name: "PCA", model_tag: "x", model_params: { contamination: 0.7 } }, X)).toThrow(/contamination/);
    expect(() => trainModel({ model_name: "KNN", model_tag: "x", model_params: { metric: "manhattan" } }, X)).toThrow(/metric/);
    expect(() => trainModel({ model_name: "KNN", model_tag: "x", model_params: { n_neighbors: 7 } }, X)).toThrow(/KNN needs at least k\+1 rows/);
    expect(() => trainModel({ model_name: "PCA", model_tag: "x", model_params: [1] as unknown as Record<string, unknown> }, X)).toThrow(
      /model_params must be an object/,
    );
  });

  it("accepts harmless PyOD params", () => {
    const m = trainModel(
      {
        model_name: "KNN",
        model_tag: "x",
        model_params: { contamination: 0.05, algorithm: "kd_tree", leaf_size: 30, n_jobs: -1, metric: "minkowski", p: 2 },
      },
      X,
    );
    expect(m.detector.kind).toBe("knn");
    expect(
      trainModel({ model_name: "PCA", model_tag: "x", model_params: { n_components: null, weighted: true, standardization: true } }, X).detector.kind,
    ).toBe("pca");
  });

  it("rejects matrices with other columns", () => {
    const m = trainModel({ model_name: "PCA", model_tag: "cols" }, X);
    expect(() => decisionScores(m, fromRows([[1, 2]], [0], ["a", "b"]))).toThrow(/columns \[a, b\] do not match training columns \[col_0, col_1\]/);
    expect(() => predictProba(m, fromRows([[1]]))).toThrow(/do not match/);
  });
});

describe("parseTrainedModel", () => {
  const X = fromRows([
    [0, 1],
    [1, 0],
    [2, 2],
    [3, 1],
    [4, 4],
    [5, 2],
    [6, 3],
  ]);
  const pca = JSON.parse(JSON.stringify(trainModel({ model_name: "PCA", model_tag: "p" }, X))) as TrainedModel;
  const knn = JSON.parse(JSON.stringify(trainModel({ model_name: "KNN", model_tag: "k", model_params: { n_neighbors: 2 } }, X))) as TrainedModel;
  const broken = (m: TrainedModel, edit: (o: any) => void): unknown => {
    const o = JSON.parse(JSON.stringify(m));
    edit(o);
    return o;
  };

  it("accepts valid models", () => {
    expect(parseTrainedModel(pca, "a")).toEqual(pca);
    expect(parseTrainedModel(knn, "b")).toEqual(knn);
  });

  it("rejects malformed models, mentioning where", () => {
    const cases: [unknown, RegExp][] = [
      [null, /not an object/],
      ["{nope", /not JSON/],
      [broken(pca, (o) => (o.kind = "model")), /kind must be "anomstack-model"/],
      [broken(pca, (o) => (o.version = 2)), /unsupported version 2/],
      [broken(pca, (o) => (o.model_name = "LOF")), /unknown model_name "LOF"/],
      [broken(pca, (o) => (o.model_params = { bogus: 1 })), /unknown model_params key "bogus"/],
      [broken(pca, (o) => (o.columns = [])), /columns must be a non-empty array/],
      [broken(pca, (o) => (o.calibration = { min: 1 })), /calibration min\/max/],
      [broken(pca, (o) => (o.detector.kind = "knn")), /PCA detector kind must be "pca"/],
      [broken(pca, (o) => o.detector.components[0].pop()), /detector.components\[0\] must be an array of 2 numbers/],
      [broken(pca, (o) => o.detector.weights.push(1)), /detector.weights/],
      [broken(pca, (o) => (o.detector.scale[0] = 0)), /scale must be positive/],
      [broken(knn, (o) => (o.detector.k = 0)), /detector.k must be a positive integer/],
      [broken(knn, (o) => o.detector.train.pop()), /whole number/],
      [broken(knn, (o) => (o.detector.train[3] = "x")), /finite numbers/],
      [broken(knn, (o) => (o.detector.method = "max")), /detector.method/],
    ];
    for (const [value, re] of cases) {
      expect(() => parseTrainedModel(value, "models/x.json")).toThrow(/^models\/x\.json: /);
      expect(() => parseTrainedModel(value, "models/x.json")).toThrow(re);
    }
  });
});
