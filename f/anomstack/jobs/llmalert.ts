// LLM-alert job (the original, as intended: docs/differences.md #8): for each metric, Claude
// detects and then verifies anomalies in the recent series (optionally with the plot); confirmed ones
// among the llmalert_recent_n newest points that have no LLM alert yet are saved (with their
// explanation) and delivered as one alert per metric. A metric whose LLM call fails is skipped with a
// warning; the other metrics' results are kept.
//nobundling
import { expectedFromScores } from "../alerts/expected.ts";
import { formatMinute, type AlertKind } from "../alerts/channel.ts";
import { createClaudeClient, type LlmClient } from "../llm/client.ts";
import { detectAndVerify, preparePrompt, promptNote } from "../llm/detect.ts";
import { renderPlot } from "../charts/index.ts";
import { JobError, errorMessage } from "../core/errors.ts";
import { groupByMetric, queryJobSql, type JobContext } from "./job-context.ts";
import { toMillis } from "../core/time.ts";
import type { MetricRow } from "../store/metric-row.ts";
import { buildAlert, flagRow, saveAndDeliver, type DeliverySummary, type NewAlert } from "./emit.ts";
import { scorePanel, toSeries, type PlotRow } from "./plot-series.ts";

interface LlmAlertRow {
  metric_timestamp: Date;
  metric_name: string;
  metric_value: number;
  metric_score: number | null;
  metric_llmalert: number;
}

export interface LlmAlertResult {
  job: "llmalert";
  batch: string;
  model: string;
  /** Metrics asked. */
  checked: number;
  alerts: { metric: string; timestamp: string; anomalies: number }[];
  /** Metrics whose LLM call failed (after retries), with the reason. */
  skipped: { metric: string; error: string }[];
  saved: number;
  delivery: DeliverySummary;
  delivery_failures: number;
}

/** Metrics asked at the same time (each is two sequential requests). */
const CONCURRENCY = 4;

/** Run `fn` over `items`, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function llmalertJob(ctx: JobContext, opts: { client?: LlmClient } = {}): Promise<LlmAlertResult> {
  const { cfg, log } = ctx;
  const batch = cfg.metric_batch;
  if (!opts.client && !ctx.llm) {
    throw new JobError(
      batch,
      "llmalert",
      "no Anthropic API key: set ANOMSTACK_ANTHROPIC_API_KEY (or ANTHROPIC_API_KEY), or the anthropic field of the Windmill settings resource",
    );
  }
  const client = opts.client ?? createClaudeClient(ctx.llm!, cfg.llmalert_model, log);
  const rows = await queryJobSql<LlmAlertRow>(ctx, "llmalert", "llmalert_sql");
  const result: LlmAlertResult = {
    job: "llmalert",
    batch,
    model: client.model,
    checked: 0,
    alerts: [],
    skipped: [],
    saved: 0,
    delivery: { sent: 0, pending: 0, failed: [] },
    delivery_failures: 0,
  };
  const alerts: NewAlert[] = [];
  const extraRows: MetricRow[] = [];
  const prompt = { smooth_n: cfg.llmalert_smooth_n, rounding: cfg.llmalert_metric_rounding, max_n: cfg.llmalert_prompt_max_n };
  const metrics = [...groupByMetric(rows)];

  await pool(metrics, CONCURRENCY, async ([metric, series]) => {
    const points: PlotRow[] = series
      .map((r) => ({
        timestamp: toMillis(r.metric_timestamp),
        value: Number(r.metric_value),
        score: r.metric_score === null || r.metric_score === undefined ? null : Number(r.metric_score),
        marks: (Number(r.metric_llmalert) > 0 ? ["llm"] : []) as AlertKind[],
      }))
      .filter((p) => Number.isFinite(p.timestamp) && Number.isFinite(p.value))
      .sort((a, b) => a.timestamp - b.timestamp);
    const promptPoints = preparePrompt(points, prompt);
    if (promptPoints.length === 0) return;
    result.checked++;
    try {
      let image: Uint8Array | undefined;
      if (cfg.llmalert_include_plot) {
        const panel = scorePanel(cfg, "llm");
        image = renderPlot({ title: metric, subtitle: `${batch} · ${points.length} points`, points: toSeries(cfg, points), ...panel });
      }
      const found = await detectAndVerify(client, {
        metric,
        batch,
        points: promptPoints,
        note: promptNote(prompt),
        image,
        detectionPrompt: cfg.llmalert_anomaly_agent_detection_prompt,
        verificationPrompt: cfg.llmalert_anomaly_agent_verification_prompt,
      });
      for (const why of found.ignored) log.warn(`${metric}: ignored an LLM answer: ${why}`);
      const recent = new Set(points.slice(-cfg.llmalert_recent_n).map((p) => p.timestamp));
      const stored = new Set(points.filter((p) => p.marks.length > 0).map((p) => p.timestamp));
      const fresh = found.confirmed.filter((a) => recent.has(a.timestamp) && !stored.has(a.timestamp)).sort((a, b) => b.timestamp - a.timestamp);
      if (fresh.length === 0) {
        log.info(`${metric}: ${found.confirmed.length} confirmed anomal(y/ies), none new among the ${cfg.llmalert_recent_n} newest points`);
        return;
      }
      const byTs = new Map(points.map((p) => [p.timestamp, p]));
      const latest = byTs.get(fresh[0].timestamp) as PlotRow;
      const smoothed = toSeries(cfg, points);
      const latestScore = smoothed.find((p) => p.timestamp === latest.timestamp)?.score ?? undefined;
      const explanations = fresh.map((a) => ({
        timestamp: new Date(a.timestamp).toISOString(),
        value: (byTs.get(a.timestamp) as PlotRow).value,
        explanation: a.explanation,
      }));
      alerts.push({
        metric,
        timestamp: latest.timestamp,
        metadata: { anomaly_explanation: fresh[0].explanation, llmalert_model: client.model },
        alert: buildAlert(
          ctx,
          "llm",
          metric,
          { timestamp: latest.timestamp, value: latest.value, score: latestScore },
          {
            explanations,
            description: fresh.map((a) => `- ${formatMinute(new Date(a.timestamp))}: ${a.explanation}`).join("\n"),
            expected: expectedFromScores(
              points,
              cfg.alert_smooth_n,
              cfg.alert_threshold,
              fresh.map((a) => a.timestamp),
            ),
          },
        ),
      });
      for (const a of fresh.slice(1))
        extraRows.push(flagRow(ctx, metric, "llmalert", a.timestamp, { anomaly_explanation: a.explanation, llmalert_model: client.model }));
      result.alerts.push({ metric, timestamp: new Date(latest.timestamp).toISOString(), anomalies: fresh.length });
    } catch (e) {
      const error = errorMessage(e);
      log.warn(`${batch} ${metric}: LLM alert skipped: ${error}`);
      result.skipped.push({ metric, error });
    }
  });

  result.alerts.sort((a, b) => (a.metric < b.metric ? -1 : 1));
  result.skipped.sort((a, b) => (a.metric < b.metric ? -1 : 1));
  alerts.sort((a, b) => (a.metric < b.metric ? -1 : 1));
  if (alerts.length === 0) log.info("no LLM alerts");
  const { saved, delivery } = await saveAndDeliver(ctx, "llm", alerts, extraRows);
  result.saved = saved;
  result.delivery = delivery;
  result.delivery_failures = delivery.failed.length;
  return result;
}
