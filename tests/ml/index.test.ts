// Tests for f/anomstack/ml/index.ts: the public surface re-exports every module.

import { describe, expect, it } from "vitest";
import * as ml from "../../f/anomstack/ml/index.ts";

describe("ml index", () => {
  it("re-exports the public API", () => {
    for (const name of [
      "fromRows",
      "row",
      "toRows",
      "sliceRows",
      "assertFiniteMatrix",
      "defaultColumns",
      "preprocess",
      "minRowsForFeatures",
      "freqToMs",
      "fitPca",
      "pcaScores",
      "KdTree",
      "fitKnn",
      "knnScores",
      "fitMad",
      "madScore",
      "madScores",
      "median",
      "fitCalibration",
      "calibrate",
      "combineProbabilities",
      "trainModel",
      "decisionScores",
      "predictProba",
      "parseTrainedModel",
      "fitRange",
      "rangeScores",
      "seasonalBucket",
      "fitZscore",
      "zscoreScores",
      "rangeProbability",
      "rangeProba",
      "erfc",
      "tailProbability",
      "logLikelihoodScore",
      "fitLikelihood",
      "likelihoodProba",
      "suppressRepeats",
    ]) {
      expect(typeof (ml as Record<string, unknown>)[name], name).toBe("function");
    }
    expect(ml.MODEL_NAMES).toEqual(["PCA", "KNN", "IForest", "LOF", "OCSVM", "ECOD", "COPOD", "HBOS", "MCD", "MAD", "RANGE", "ZSCORE"]);
    for (const name of ["fitIForest", "fitLof", "fitOcsvm", "fitEcod", "fitCopod", "fitHbos", "fitMcd", "fitMadModel", "modelParamProblems"]) {
      expect(typeof (ml as Record<string, unknown>)[name], name).toBe("function");
    }
    expect(ml.CALIBRATION_METHODS).toEqual(["minmax", "range", "likelihood"]);
    expect(ml.COMBINATION_METHODS).toEqual(["mean", "max", "min"]);
    expect(ml.KNN_METHODS).toEqual(["largest", "mean", "median"]);
  });
});
