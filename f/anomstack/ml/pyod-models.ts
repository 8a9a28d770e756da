// The PyOD models beyond PCA and KNN (IForest, LOF, OCSVM, ECOD, COPOD, HBOS, MCD, MAD), each from its
// own file, behind one interface that the model registry (detector.ts) trains, scores and validates with.
//nobundling

import { copodProblem, copodScores, fitCopod, type CopodDetector } from "./copod.ts";
import { ecodProblem, ecodScores, fitEcod, type EcodDetector } from "./ecod.ts";
import { fitHbos, hbosScores, type HbosDetector } from "./hbos.ts";
import { fitIForest, iforestProblem, iforestScores, type IForestDetector } from "./iforest.ts";
import { fitLof, lofProblem, lofScores, type LofDetector } from "./lof.ts";
import { fitMadModel, madModelScores, type MadDetector } from "./mad-model.ts";
import { fitMcd, mcdProblem, mcdScores, type McdDetector } from "./mcd.ts";
import { fitOcsvm, ocsvmProblem, ocsvmScores, type OcsvmDetector } from "./ocsvm.ts";
import type { FeatureMatrix } from "./matrix.ts";
import type { PyodFit } from "./pyod-base.ts";

/** The fitted detector of any model of this file. */
export type PyodDetector = IForestDetector | LofDetector | OcsvmDetector | EcodDetector | CopodDetector | HbosDetector | McdDetector | MadDetector;

/** What the registry needs of a model: fit (detector, decision_scores_, threshold_), score, and a check of a loaded detector. */
export interface PyodModel {
  kind: PyodDetector["kind"];
  fit(X: FeatureMatrix, params: Record<string, unknown>): PyodFit<PyodDetector>;
  score(d: PyodDetector, X: FeatureMatrix): Float64Array;
  /** A problem with a deserialized detector for `cols` feature columns, or undefined. */
  problem(d: Record<string, unknown>, cols: number): string | undefined;
}

const finiteArrays = (v: unknown, lens: number | null): boolean =>
  Array.isArray(v) &&
  v.every((a) => Array.isArray(a) && (lens === null || a.length === lens) && a.every((x) => typeof x === "number" && Number.isFinite(x)));

function hbosProblem(d: Record<string, unknown>, cols: number): string | undefined {
  if (!Array.isArray(d.edges) || d.edges.length !== cols || !finiteArrays(d.edges, null))
    return `detector.edges must hold ${cols} arrays of finite numbers`;
  if (!Array.isArray(d.density) || d.density.length !== cols || !finiteArrays(d.density, null))
    return `detector.density must hold ${cols} arrays of finite numbers`;
  for (let j = 0; j < cols; j++) {
    const e = d.edges[j] as number[];
    if (e.length < 2 || (d.density[j] as number[]).length !== e.length - 1)
      return `detector.edges[${j}] must have one more value than detector.density[${j}]`;
  }
  if (typeof d.alpha !== "number" || typeof d.tol !== "number") return "detector.alpha and detector.tol must be numbers";
  return undefined;
}

function madProblem(d: Record<string, unknown>, cols: number): string | undefined {
  if (cols !== 1) return "MAD models have exactly 1 column";
  if (typeof d.median !== "number" || !Number.isFinite(d.median) || typeof d.mad !== "number" || !(d.mad >= 0))
    return "detector median/mad must be finite numbers, mad >= 0";
  return undefined;
}

function model<D extends PyodDetector, P>(
  kind: D["kind"],
  fit: (X: FeatureMatrix, params: P) => PyodFit<D>,
  score: (d: D, X: FeatureMatrix) => Float64Array,
  problem: (d: Record<string, unknown>, cols: number) => string | undefined,
): PyodModel {
  return {
    kind,
    fit: (X, params) => fit(X, params as P),
    score: (d, X) => score(d as D, X),
    problem,
  };
}

/** The PyOD models of this file by `model_name`. */
export const PYOD_MODELS = {
  IForest: model("iforest", fitIForest, iforestScores, iforestProblem),
  LOF: model("lof", fitLof, lofScores, lofProblem),
  OCSVM: model("ocsvm", fitOcsvm, ocsvmScores, ocsvmProblem),
  ECOD: model("ecod", fitEcod, ecodScores, ecodProblem),
  COPOD: model("copod", fitCopod, copodScores, copodProblem),
  HBOS: model("hbos", fitHbos, hbosScores, hbosProblem),
  MCD: model("mcd", fitMcd, mcdScores, mcdProblem),
  MAD: model("mad", fitMadModel, madModelScores, madProblem),
} as const satisfies Record<string, PyodModel>;

export type PyodModelName = keyof typeof PYOD_MODELS;

/** True for the model names of {@link PYOD_MODELS}. */
export function isPyodModelName(name: string): name is PyodModelName {
  return Object.hasOwn(PYOD_MODELS, name);
}
