// Anomstack threshold alerts: check the newest values against tholdalert_thresholds.
// Windmill stage script: the work is in ./jobs/tholdalert.ts; this file opens the batch's stores and runs it.
//nobundling
import { runStage } from "./stages/run-stage.ts";
import type { C_anomstack_settings } from "./config/settings-resource.ts";

/**
 * @param batch the metric batch to run (its `metric_batch` name)
 * @param now ISO timestamp to treat as now, for reruns and backfills (empty: the current time)
 * @param deliver false: save the alerts and leave sending them to the run's deliver step (one message per incident)
 * @param settings the deployment's settings resource (database path, overrides, alert channels)
 */
export async function main(batch: string, now = "", deliver = true, settings?: C_anomstack_settings) {
  return runStage("tholdalert", batch, { now, deliver, settings });
}
