// Anomstack deliver: send the alerts the run's alerting jobs saved, one message per incident (a
// metric's anomaly, change, threshold and LLM alerts at one point together) and destination, with one plot.
// Windmill stage script: the work is in ./jobs/deliver.ts; this file opens the batch's stores and runs it.
//nobundling
import { runStage } from "./stages/run-stage.ts";
import type { C_anomstack_settings } from "./config/settings-resource.ts";

/**
 * @param batch the metric batch to run (its `metric_batch` name)
 * @param now ISO timestamp to treat as now, for reruns and backfills (empty: the current time)
 * @param settings the deployment's settings resource (database path, overrides, alert channels)
 */
export async function main(batch: string, now = "", settings?: C_anomstack_settings) {
  return runStage("deliver", batch, { now, settings });
}
