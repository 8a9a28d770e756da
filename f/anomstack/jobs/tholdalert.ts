// Threshold-alert job: static bounds from `tholdalert_thresholds` on the
// newest values, with a snooze that counts stored alerts, so it works across runs (docs/differences.md #7).
//nobundling
import { decideTholdalertBreaches, type TholdalertPoint } from "../rules/tholdalert-rule.ts";
import { groupByMetric, queryJobSql, type JobContext } from "./job-context.ts";
import { toMillis } from "../core/time.ts";
import { buildAlert, saveAndDeliver, type DeliverySummary, type NewAlert } from "./emit.ts";

interface TholdRow {
  metric_timestamp: Date;
  metric_name: string;
  metric_value: number;
  metric_tholdalert: number;
}

export interface TholdAlertResult {
  job: "tholdalert";
  batch: string;
  breaches: { metric: string; timestamp: string; value: number; threshold_type: string; threshold_value: number }[];
  saved: number;
  delivery: DeliverySummary;
  delivery_failures: number;
}

export async function tholdalertJob(ctx: JobContext): Promise<TholdAlertResult> {
  const { cfg, log } = ctx;
  const result: TholdAlertResult = {
    job: "tholdalert",
    batch: cfg.metric_batch,
    breaches: [],
    saved: 0,
    delivery: { sent: 0, pending: 0, failed: [] },
    delivery_failures: 0,
  };
  const thresholds = cfg.tholdalert_thresholds ?? {};
  if (Object.keys(thresholds).length === 0) {
    log.info("no tholdalert_thresholds configured");
    return result;
  }
  const rows = await queryJobSql<TholdRow>(ctx, "tholdalert", "tholdalert_sql");
  const alerts: NewAlert[] = [];
  for (const [metric, series] of groupByMetric(rows)) {
    const bounds = thresholds[metric];
    if (!bounds) continue;
    const points: TholdalertPoint[] = series.map((r) => ({
      timestamp: toMillis(r.metric_timestamp),
      value: Number(r.metric_value),
      alerted: Number(r.metric_tholdalert) > 0,
    }));
    const breaches = decideTholdalertBreaches(points, bounds, { recent_n: cfg.tholdalert_recent_n, snooze_n: cfg.tholdalert_snooze_n });
    for (const b of breaches) {
      alerts.push({
        metric,
        timestamp: b.timestamp,
        metadata: {
          thresholds: bounds,
          breached_threshold_type: b.threshold_type,
          breached_threshold_value: b.threshold_value,
          metric_value_at_breach: b.value,
        },
        alert: buildAlert(
          ctx,
          "threshold",
          metric,
          { timestamp: b.timestamp, value: b.value, threshold: b.threshold_value },
          {
            titleDetail: b.threshold_type,
            tags: { threshold_type: b.threshold_type, threshold_value: b.threshold_value, metric_value: b.value },
            bounds: { ...bounds },
          },
        ),
      });
      result.breaches.push({
        metric,
        timestamp: new Date(b.timestamp).toISOString(),
        value: b.value,
        threshold_type: b.threshold_type,
        threshold_value: b.threshold_value,
      });
    }
  }
  if (alerts.length === 0) log.info("no threshold breaches");
  const { saved, delivery } = await saveAndDeliver(ctx, "threshold", alerts);
  result.saved = saved;
  result.delivery = delivery;
  result.delivery_failures = delivery.failed.length;
  return result;
}
