// Anomstack daily summary: values, scores and alerts per batch and the most anomalous metrics, over
// every batch and table, sent by email and Slack. Windmill script (global: no batch parameter).
//nobundling
import { runSummary } from "./stages/notices.ts";
import type { C_anomstack_settings } from "./config/settings-resource.ts";

/**
 * @param now ISO timestamp to treat as now, for reruns (empty: the current time)
 * @param settings the deployment's settings resource (database path, overrides, alert channels)
 */
export async function main(now = "", settings?: C_anomstack_settings) {
  return runSummary({ now, settings });
}
