// Detector presets: `detector_preset` picks a base for a batch's detector settings, laid over
// defaults.yaml and under the batch YAML (so any key the batch sets itself still wins).
//nobundling
import type { DETECTOR_PRESET_NAMES } from "./schema.ts";

type PresetName = (typeof DETECTOR_PRESET_NAMES)[number];

/**
 * The settings of each preset:
 * - `default`: nothing on top of defaults.yaml, whose detector is the range detector (docs/detection.md);
 * - `original`: the original Anomstack's detector exactly: diff/smooth/lag features, PCA + KNN with
 *   min-max calibration, mean combination, no suppression, and the alert smoothing and threshold tuned
 *   for it (0.8 on the trailing mean of 4 scores).
 */
export const DETECTOR_PRESETS: Record<PresetName, Record<string, unknown>> = {
  default: {},
  original: {
    preprocess_params: { diff_n: 1, smooth_n: 3, lags_n: 5 },
    model_configs: [
      { model_name: "PCA", model_tag: "pca_default", model_params: { contamination: 0.01 } },
      { model_name: "KNN", model_tag: "knn_default", model_params: { contamination: 0.01 } },
    ],
    model_combination_method: "mean",
    score_calibration: "minmax",
    score_suppress_n: 0,
    alert_threshold: 0.8,
    alert_smooth_n: 3,
    alert_snooze_n: 3,
  },
};

/** The preset's settings, or undefined for an unknown name (the schema then reports it). */
export function presetSettings(name: unknown): Record<string, unknown> | undefined {
  return typeof name === "string" && Object.hasOwn(DETECTOR_PRESETS, name) ? structuredClone(DETECTOR_PRESETS[name as PresetName]) : undefined;
}
