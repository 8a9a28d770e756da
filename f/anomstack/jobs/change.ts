// Change job (as the original intends: it fires, docs/differences.md #1): MAD on each metric's older
// values, the newest `change_detect_last_n` tested, snoozed after a change; save and deliver.
//nobundling
import { decideChanges, trailingMedians, type ChangePoint } from "../rules/change-rule.ts";
import { queryJobSeries, type JobContext } from "./job-context.ts";
import { expectedFromMad } from "../alerts/expected.ts";
import { buildAlert, saveAndDeliver, type DeliverySummary, type NewAlert } from "./emit.ts";

export interface ChangeResult {
  job: "change";
  batch: string;
  changes: { metric: string; timestamp: string; score: number }[];
  snoozed: string[];
  saved: number;
  delivery: DeliverySummary;
  delivery_failures: number;
}

export async function changeJob(ctx: JobContext): Promise<ChangeResult> {
  const { cfg, log } = ctx;
  const bySeries = await queryJobSeries(ctx, "change", "change_sql");
  const alerts: NewAlert[] = [];
  const result: ChangeResult = {
    job: "change",
    batch: cfg.metric_batch,
    changes: [],
    snoozed: [],
    saved: 0,
    delivery: { sent: 0, pending: 0, failed: [] },
    delivery_failures: 0,
  };
  for (const [metric, series] of bySeries) {
    const points: ChangePoint[] = series.metric_timestamp.map((timestamp, i) => ({
      timestamp,
      value: Number(series.metric_value?.[i]),
      changed: Number(series.metric_change?.[i]) > 0,
    }));
    // Levels only of the points tested: the others' would be scores this job does not use (most of its CPU).
    const levels = trailingMedians(
      points.map((p) => p.value),
      Math.max(1, cfg.change_smooth_n),
      points.length - cfg.change_detect_last_n,
    );
    const decided = decideChanges(
      points,
      {
        threshold: cfg.change_threshold,
        detect_last_n: cfg.change_detect_last_n,
        snooze_n: cfg.change_snooze_n,
        smooth_n: cfg.change_smooth_n,
      },
      levels,
    );
    if (decided.skipped === "snoozed") result.snoozed.push(metric);
    for (const c of decided.changes) {
      const mad = decided.model;
      alerts.push({
        metric,
        timestamp: c.timestamp,
        metadata: { change_score: c.score, change_threshold: cfg.change_threshold },
        alert: buildAlert(
          ctx,
          "change",
          metric,
          { timestamp: c.timestamp, value: c.value, score: c.score, threshold: cfg.change_threshold },
          mad ? { mad, expected: expectedFromMad(mad, cfg.change_threshold) } : {},
        ),
      });
      result.changes.push({ metric, timestamp: new Date(c.timestamp).toISOString(), score: c.score });
    }
  }
  if (alerts.length === 0) log.info("no change alerts");
  const { saved, delivery } = await saveAndDeliver(ctx, "change", alerts);
  result.saved = saved;
  result.delivery = delivery;
  result.delivery_failures = delivery.failed.length;
  return result;
}
