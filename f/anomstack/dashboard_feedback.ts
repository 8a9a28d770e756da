// Anomstack dashboard, feedback: store a person's thumbs up or thumbs down on one point of a metric.
// Thumbs up = the anomaly was real, thumbs down = a false alarm; stored as a `thumbsup` / `thumbsdown` row of the
// metrics table. Every field is validated; called by the dashboard app.
//nobundling
import { storeFeedback } from "./dashboard/feedback.ts";
import type { C_anomstack_settings } from "./config/settings-resource.ts";

/**
 * @param batch the metric batch of the point (its `metric_batch` name)
 * @param metric the metric name of the point
 * @param timestamp ISO timestamp of the point, e.g. 2024-01-01T00:00:00Z
 * @param kind thumbsup (a real anomaly) or thumbsdown (a false alarm)
 * @param settings the deployment's settings resource (database path, overrides)
 */
export async function main(batch: string, metric: string, timestamp: string, kind: "thumbsup" | "thumbsdown", settings?: C_anomstack_settings) {
  return storeFeedback({ batch, metric, timestamp, kind }, { settings });
}
