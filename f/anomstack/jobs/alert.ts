// Alert job (as the original intends, docs/differences.md #2): smooth the scores over the trailing
// window, alert the newest points at or above the threshold unless snoozed, save and deliver.
//nobundling
import { decideAnomalyAlerts, type ScoredPoint } from "../rules/alert-rule.ts";
import { queryJobSeries, type JobContext } from "./job-context.ts";
import { expectedFromScores } from "../alerts/expected.ts";
import { buildAlert, saveAndDeliver, type DeliverySummary, type NewAlert } from "./emit.ts";
import type { BatchConfig } from "../config/index.ts";

export interface AlertResult {
  job: "alert";
  batch: string;
  alerts: { metric: string; timestamp: string; score_smooth: number }[];
  saved: number;
  delivery: DeliverySummary;
  delivery_failures: number;
}

export function anomalyAlertParams(cfg: BatchConfig, recent_n = cfg.alert_recent_n) {
  return {
    smooth_n: cfg.alert_smooth_n,
    snooze_n: cfg.alert_snooze_n,
    threshold: cfg.alert_threshold,
    recent_n,
    always: cfg.alert_always,
  };
}

export async function alertJob(ctx: JobContext): Promise<AlertResult> {
  const { cfg, log } = ctx;
  const bySeries = await queryJobSeries(ctx, "alert", "alert_sql");
  const alerts: NewAlert[] = [];
  const found: AlertResult["alerts"] = [];
  for (const [metric, series] of bySeries) {
    const points: ScoredPoint[] = series.metric_timestamp.map((timestamp, i) => ({
      timestamp,
      value: Number(series.metric_value?.[i]),
      score: Number(series.metric_score?.[i]),
      alerted: Number(series.metric_alert?.[i]) > 0,
    }));
    const decisions = decideAnomalyAlerts(points, anomalyAlertParams(cfg));
    const alerted = decisions.map((d) => d.timestamp);
    for (const d of decisions) {
      const expected = expectedFromScores(points.slice(0, d.index + 1), cfg.alert_smooth_n, cfg.alert_threshold, alerted);
      alerts.push({
        metric,
        timestamp: d.timestamp,
        metadata: { metric_score: d.score, metric_score_smooth: d.score_smooth, alert_threshold: cfg.alert_threshold },
        alert: buildAlert(
          ctx,
          "anomaly",
          metric,
          { timestamp: d.timestamp, value: d.value, score: d.score_smooth, threshold: cfg.alert_threshold },
          { expected },
        ),
      });
      found.push({ metric, timestamp: new Date(d.timestamp).toISOString(), score_smooth: d.score_smooth });
    }
  }
  if (alerts.length === 0) log.info("no anomaly alerts");
  const { saved, delivery } = await saveAndDeliver(ctx, "anomaly", alerts);
  return { job: "alert", batch: cfg.metric_batch, alerts: found, saved, delivery, delivery_failures: delivery.failed.length };
}
