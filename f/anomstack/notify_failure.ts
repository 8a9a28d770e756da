// Anomstack failure notice: tell people that a batch's job failed (batch, job, error, link to the run).
// Windmill stage script used as the failure handler of every generated flow.
//nobundling
import { failureNotice, runUrlFromEnv } from "./stages/failure.ts";
import type { C_anomstack_settings } from "./config/settings-resource.ts";

/**
 * @param batch the metric batch whose flow failed
 * @param job the job (flow step) that failed
 * @param error the error message
 * @param run_url link to the failed run (empty: built from the Windmill job environment)
 * @param already_notified true when the failed steps' notices went out already (a for-loop whose iterations each sent one)
 * @param settings the deployment's settings resource
 */
export async function main(batch: string, job: string, error: string, run_url = "", already_notified = false, settings?: C_anomstack_settings) {
  if (already_notified) return { skipped: true, reason: "each failed shard has sent its own notice" };
  return failureNotice({ batch, job, error, runUrl: run_url || runUrlFromEnv(process.env), settings });
}
