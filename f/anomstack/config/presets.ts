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
 *   for it (0.8 on the trailing mean of 4 scores);
 * - `robust`: the repeated-incident detector (docs/detection.md, "The robust preset"): four RANGE members
 *   with envelopes of trimmed quantiles instead of min-max ranges (earlier anomalies do not widen what
 *   counts as normal), the fourth measured from the local level (a level shift becomes the new normal).
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
  robust: {
    model_configs: [
      { model_name: "RANGE", model_tag: "level", model_params: { trim: 0.01, widen: 1.75 } },
      { model_name: "RANGE", model_tag: "level_smooth", preprocess_params: { smooth_n: 24 }, model_params: { trim: 0.01, widen: 1.75 } },
      { model_name: "RANGE", model_tag: "hour_of_day", model_params: { seasonal: "hour_of_day", trim: 0.01, widen: 1.75 } },
      { model_name: "RANGE", model_tag: "local", model_params: { seasonal: "hour_of_day", local_n: 36, trim: 0.01, widen: 1.75 } },
    ],
    model_combination_method: "max",
    score_calibration: "range",
    score_suppress_n: 100,
    score_suppress_quiet_n: 6,
    alert_threshold: 0.6,
    alert_smooth_n: 0,
    alert_snooze_n: 3,
  },
};

/** The preset's settings, or undefined for an unknown name (the schema then reports it). */
export function presetSettings(name: unknown): Record<string, unknown> | undefined {
  return typeof name === "string" && Object.hasOwn(DETECTOR_PRESETS, name) ? structuredClone(DETECTOR_PRESETS[name as PresetName]) : undefined;
}
