// Anomstack dashboard, home page: one card per metric batch, highest anomaly rate first.
// Each card: metrics, anomaly rate, average score, alerts, newest point, stale marker. Read-only; called by the dashboard app.
//nobundling
import { loadOverview } from "./dashboard/overview.ts";
import type { C_anomstack_settings } from "./config/settings-resource.ts";

/**
 * @param window points shown per metric: 90n = the newest 90 points, or a time span such as 45m, 24h, 7d
 * @param now ISO timestamp the window ends at (empty: the current time)
 * @param settings the deployment's settings resource (database path, overrides)
 */
export async function main(window = "90n", now = "", settings?: C_anomstack_settings) {
  return loadOverview({ window, now, settings });
}
