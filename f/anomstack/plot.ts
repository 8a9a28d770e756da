// Anomstack plots: one PNG per metric (values, smoothed score, alerts marked), shown on the run page.
// Windmill stage script: the work is in ./jobs/plot.ts; this file runs it and returns the plots as a rich result.
//nobundling
import { runStage } from "./stages/run-stage.ts";
import { plotRichResult, type PlotResult } from "./jobs/plot.ts";
import type { C_anomstack_settings } from "./config/settings-resource.ts";

/**
 * @param batch the metric batch to plot (its `metric_batch` name)
 * @param now ISO timestamp to treat as now, for reruns and backfills (empty: the current time)
 * @param settings the deployment's settings resource (database path, overrides, alert channels)
 */
export async function main(batch: string, now = "", settings?: C_anomstack_settings) {
  const result = await runStage("plot", batch, { now, settings });
  return result.status === "ok" ? plotRichResult(result as unknown as PlotResult) : result;
}
