// Anomstack dashboard, batch page: every metric of one batch over the window as chart-ready series.
// Value, score, alert / change / threshold / LLM markers with explanations, feedback. Read-only; called by the dashboard app.
//nobundling
import { loadBatchView } from "./dashboard/batch.ts";
import type { C_anomstack_settings } from "./config/settings-resource.ts";

/**
 * @param batch the metric batch to show (its `metric_batch` name)
 * @param window points shown per metric: 90n = the newest 90 points, or a time span such as 45m, 24h, 7d
 * @param now ISO timestamp the window ends at (empty: the current time)
 * @param settings the deployment's settings resource (database path, overrides)
 */
export async function main(batch: string, window = "90n", now = "", settings?: C_anomstack_settings) {
  return loadBatchView(batch, { window, now, settings });
}
