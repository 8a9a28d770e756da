// Public entry point of the anomstack ML library: preprocessing, PyOD-equivalent
// detectors (PCA, KNN, MAD), the RANGE and ZSCORE members, calibrations (min-max, range,
// likelihood), combination, repeat suppression and the model registry.

export * from "./matrix.ts";
export * from "./preprocess.ts";
export * from "./pca.ts";
export * from "./kd-tree.ts";
export * from "./knn.ts";
export * from "./mad.ts";
export * from "./calibrate.ts";
export * from "./combine.ts";
export * from "./range.ts";
export * from "./zscore.ts";
export * from "./exceedance.ts";
export * from "./likelihood.ts";
export * from "./suppress.ts";
export * from "./detector.ts";
