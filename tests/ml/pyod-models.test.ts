// The PyOD models through the model registry (detector.ts): trained, calibrated, saved as JSON, loaded and
// scored like PCA and KNN; their params checked by model-params.ts.
import { describe, expect, it } from "vitest";
import { fromRows, type FeatureMatrix } from "../../f/anomstack/ml/matrix.ts";
import { decisionScores, parseTrainedModel, predictProba, trainModel, type CalibrationMethod } from "../../f/anomstack/ml/detector.ts";
import { MODEL_PARAMS, modelParamProblems, closestModelName } from "../../f/anomstack/ml/model-params.ts";
import { PYOD_MODELS } from "../../f/anomstack/ml/pyod-models.ts";
import { rng } from "./helpers.ts";

/** 300 rows of 3 correlated features, timestamps 1 minute apart. */
function matrix(rows: number, cols: number, seed = 1): FeatureMatrix {
  const r = rng(seed);
  const data = Array.from({ length: rows }, () => {
    const z = r() - 0.5;
    return Array.from({ length: cols }, (_, j) => z * (j + 1) + (r() - 0.5) * 0.3);
  });
  return fromRows(
    data,
    data.map((_, i) => i * 60_000),
  );
}

const NAMES = Object.keys(PYOD_MODELS) as (keyof typeof PYOD_MODELS)[];

describe("PyOD models in the registry", () => {
  for (const name of NAMES) {
    const cols = name === "MAD" ? 1 : 3;
    for (const calibration of ["minmax", "range", "likelihood"] as CalibrationMethod[]) {
      it(`${name} (${calibration}): trains, keeps threshold_, round-trips through JSON and scores identically`, () => {
        const X = matrix(300, cols);
        const m = trainModel({ model_name: name, model_tag: "t", model_params: { contamination: 0.05 } }, X, { calibration });
        expect(m.model_name).toBe(name);
        expect(m.detector.kind).toBe(PYOD_MODELS[name].kind);
        expect(m.calibration.max).toBeGreaterThanOrEqual(m.calibration.min);
        expect(typeof m.threshold).toBe("number");
        const raw = decisionScores(m, X);
        if (name !== "MAD") expect(raw.filter((s) => s > m.threshold!).length).toBeLessThanOrEqual(Math.ceil(0.05 * 300) + 1);
        const json = JSON.stringify(m);
        const back = parseTrainedModel(json, "models/x.json");
        expect(back).toEqual(JSON.parse(json));
        const later = fromRows([[...Array(cols)].map(() => 0), [...Array(cols)].map((_, j) => 5 * (j + 1))], [400 * 60_000, 401 * 60_000]);
        expect(Array.from(predictProba(back, later))).toEqual(Array.from(predictProba(m, later)));
        const p = predictProba(m, later);
        expect(p.every((x) => x >= 0 && x <= 1)).toBe(true);
        expect(p[1]).toBeGreaterThan(p[0]); // the far point is the more anomalous
      });
    }
  }

  it("training the same rows twice gives the same JSON (IForest and MCD are seeded)", () => {
    const X = matrix(200, 3);
    for (const name of NAMES.filter((n) => n !== "MAD")) {
      const a = JSON.stringify(trainModel({ model_name: name, model_tag: "t" }, X));
      expect(JSON.stringify(trainModel({ model_name: name, model_tag: "t" }, X)), name).toBe(a);
    }
  });

  it("a loaded model whose detector does not fit is refused", () => {
    const X = matrix(50, 3);
    const m = JSON.parse(JSON.stringify(trainModel({ model_name: "LOF", model_tag: "t" }, X)));
    m.detector.kind = "knn";
    expect(() => parseTrainedModel(m, "m.json")).toThrow(/LOF detector kind must be "lof", got "knn"/);
    m.detector.kind = "lof";
    m.detector.cols = 2;
    expect(() => parseTrainedModel(m, "m.json")).toThrow(/m.json: invalid trained model: detector.cols/);
    m.detector.cols = 3;
    m.threshold = "x";
    expect(() => parseTrainedModel(m, "m.json")).toThrow(/threshold must be a finite number/);
  });

  it("too few rows says 'needs at least' (the train job's not-enough-data signal); HBOS and MAD fit one row, as PyOD's", () => {
    for (const name of NAMES) {
      const trainOne = () => trainModel({ model_name: name, model_tag: "t" }, fromRows([[1]]));
      if (name === "HBOS" || name === "MAD") expect(trainOne().n_train).toBe(1);
      else expect(trainOne, name).toThrow(/needs at least 2 rows/);
    }
  });
});

describe("model params", () => {
  it("every model accepts PyOD's parameter names with their defaults", () => {
    for (const [name, spec] of Object.entries(MODEL_PARAMS)) {
      const defaults = Object.fromEntries(
        Object.entries(spec)
          .filter(([, s]) => "default" in s && s.default !== undefined)
          .map(([k, s]) => [k, s.default]),
      );
      expect(modelParamProblems(name as keyof typeof MODEL_PARAMS, defaults), name).toEqual([]);
    }
    expect(Object.keys(MODEL_PARAMS.IForest)).toEqual([
      "n_estimators",
      "max_samples",
      "contamination",
      "max_features",
      "bootstrap",
      "n_jobs",
      "behaviour",
      "random_state",
      "verbose",
    ]);
    expect(Object.keys(MODEL_PARAMS.OCSVM)).toEqual([
      "kernel",
      "degree",
      "gamma",
      "coef0",
      "tol",
      "nu",
      "shrinking",
      "cache_size",
      "verbose",
      "max_iter",
      "contamination",
    ]);
  });

  it("unknown keys name the closest accepted one; invalid values say what they must be", () => {
    expect(modelParamProblems("IForest", { n_estimator: 50, max_samples: 0 })).toEqual([
      {
        key: "n_estimator",
        message: expect.stringMatching(
          /^unknown model_params key "n_estimator" for IForest \(did you mean "n_estimators"\?\); allowed: n_estimators, /,
        ),
      },
      { key: "max_samples", message: 'model_params.max_samples for IForest must be "auto", an integer >= 1 or a number in (0, 1], got 0' },
    ]);
    expect(modelParamProblems("ZSCORE", { x: 1 })[0].message).toBe('unknown model_params key "x" for ZSCORE; ZSCORE takes no model_params');
    expect(modelParamProblems("LOF", { novelty: false })[0].message).toMatch(/novelty for LOF must be true/);
    expect(modelParamProblems("HBOS", { n_bins: "auto", alpha: 1 })).toHaveLength(1);
  });

  it("closest model names ignore case", () => {
    expect(closestModelName("iforest")).toBe("IForest");
    expect(closestModelName("ocsvm")).toBe("OCSVM");
    expect(closestModelName("IsolationForest")).toBe("IForest");
  });
});
