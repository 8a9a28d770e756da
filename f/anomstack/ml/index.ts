// Public entry point of the anomstack ML library: preprocessing, PyOD-equivalent
// detectors (PCA, KNN, MAD), calibration, combination and the model registry.

export * from "./matrix.ts";
export * from "./preprocess.ts";
export * from "./eigen.ts";
export * from "./pca.ts";
export * from "./kd-tree.ts";
export * from "./knn.ts";
export * from "./mad.ts";
export * from "./calibrate.ts";
export * from "./combine.ts";
export * from "./detector.ts";
