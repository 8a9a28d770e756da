// Public entry point of the anomstack ML library: preprocessing, PyOD-equivalent
// detectors (PCA, KNN, IForest, LOF, OCSVM, ECOD, COPOD, HBOS, MCD, MAD), the RANGE and ZSCORE members,
// calibrations (min-max, range, likelihood), combination, repeat suppression and the model registry.
//nobundling

export * from "./matrix.ts";
export * from "./preprocess.ts";
export * from "./pca.ts";
export * from "./kd-tree.ts";
export * from "./knn.ts";
export * from "./mad.ts";
export * from "./calibrate.ts";
export * from "./combine.ts";
export * from "./range.ts";
export * from "./select.ts";
export * from "./zscore.ts";
export * from "./exceedance.ts";
export * from "./likelihood.ts";
export * from "./suppress.ts";
export * from "./detector.ts";
export * from "./model-params.ts";
export * from "./random.ts";
export * from "./pyod-base.ts";
export * from "./iforest.ts";
export * from "./lof.ts";
export * from "./ocsvm.ts";
export * from "./ecdf.ts";
export * from "./ecod.ts";
export * from "./copod.ts";
export * from "./hbos.ts";
export * from "./chi2.ts";
export * from "./mcd.ts";
export * from "./mad-model.ts";
export * from "./pyod-models.ts";
