// What every channel says: the Notice built from an alert, a summary and a failure, and how the email
// (text part) and Slack (blocks) render it — asserted as exact text.
import { describe, expect, it } from "vitest";
import { alertNotice, asciiChart, failureNoticeOf, summaryNotice, type SummaryReport } from "../../f/anomstack/alerts/format.ts";
import { renderEmail } from "../../f/anomstack/alerts/email.ts";
import { slackMessage } from "../../f/anomstack/alerts/slack.ts";
import { expectedFromMad, expectedFromScores } from "../../f/anomstack/alerts/expected.ts";
import { AT, sampleAlert } from "./helpers/sample.ts";

const SUMMARY: SummaryReport = {
  now: new Date("2026-03-02T09:00:00Z"),
  days: 1,
  batches: [
    { batch: "shop", table: "metrics", metrics: 2, points: 576, scores: 500, alerts: 3, changes: 1, tholdalerts: 0, llmalerts: 0 },
    { batch: "web", table: "web.metrics", metrics: 1, points: 288, scores: 280, alerts: 0, changes: 0, tholdalerts: 2, llmalerts: 1 },
  ],
  top: [
    { batch: "shop", metric: "orders", alerts: 4, maxScore: 0.97, meanScore: 0.31234, lastValue: 12345.5, lastTimestamp: null },
    { batch: "web", metric: "latency_ms", alerts: 3, maxScore: null, meanScore: null, lastValue: 180, lastTimestamp: null },
  ],
  failed: [{ batch: "old", error: "SQL failed" }],
};

describe("alert notices", () => {
  it("give the metric, batch, time, value, score, threshold, expected range and tags", () => {
    const n = alertNotice(sampleAlert());
    expect(n.title).toBe("🔥 [orders] looks anomalous (2026-03-01 12:00) 🔥");
    expect(n.fields).toEqual([
      { label: "Metric", value: "orders" },
      { label: "Batch", value: "shop" },
      { label: "Time", value: "2026-03-01 12:00 UTC" },
      { label: "Value", value: "30" },
      { label: "Anomaly score (smoothed)", value: "0.93" },
      { label: "Threshold", value: "0.80" },
      { label: "Expected range", value: "10 to 11 (values scored below 0.80 in the last 12 points)" },
    ]);
    // the tags already shown as fields (batch, name, time, type) are not repeated
    expect(n.tags).toEqual([
      ["priority", "high"],
      ["team", "sales"],
    ]);
    expect(n.id).toBe("anomaly.shop.orders.20260301T120000000Z");
  });

  it("render as an email text part with an ASCII chart", () => {
    expect(renderEmail(alertNotice(sampleAlert())).text).toBe(
      [
        "🔥 [orders] looks anomalous (2026-03-01 12:00) 🔥",
        "===============================================",
        "",
        "Metric:                   orders",
        "Batch:                    shop",
        "Time:                     2026-03-01 12:00 UTC",
        "Value:                    30",
        "Anomaly score (smoothed): 0.93",
        "Threshold:                0.80",
        "Expected range:           10 to 11 (values scored below 0.80 in the last 12 points)",
        "",
        "Recent values (X = alert):",
        "     30 |           X",
        "        |",
        "        |",
        "        |",
        "     10 |***********",
        "          11:05 to 12:00 UTC",
        "",
        "Tags: priority=high, team=sales",
        "",
        "-- ",
        "Sent by Anomstack for Windmill",
        "",
      ].join("\n"),
    );
  });

  it("render as Slack blocks: header, key fields, tags", () => {
    expect(slackMessage(alertNotice(sampleAlert()))).toEqual({
      text: [
        "🔥 [orders] looks anomalous (2026-03-01 12:00) 🔥",
        "Metric: orders",
        "Batch: shop",
        "Time: 2026-03-01 12:00 UTC",
        "Value: 30",
        "Anomaly score (smoothed): 0.93",
        "Threshold: 0.80",
        "Expected range: 10 to 11 (values scored below 0.80 in the last 12 points)",
      ].join("\n"),
      blocks: [
        { type: "header", text: { type: "plain_text", text: "🔥 [orders] looks anomalous (2026-03-01 12:00) 🔥", emoji: true } },
        {
          type: "section",
          fields: [
            { type: "mrkdwn", text: "*Metric*\norders" },
            { type: "mrkdwn", text: "*Batch*\nshop" },
            { type: "mrkdwn", text: "*Time*\n2026-03-01 12:00 UTC" },
            { type: "mrkdwn", text: "*Value*\n30" },
            { type: "mrkdwn", text: "*Anomaly score (smoothed)*\n0.93" },
            { type: "mrkdwn", text: "*Threshold*\n0.80" },
            { type: "mrkdwn", text: "*Expected range*\n10 to 11 (values scored below 0.80 in the last 12 points)" },
          ],
        },
        { type: "context", elements: [{ type: "mrkdwn", text: "`priority: high`  `team: sales`" }] },
      ],
    });
  });

  it("show a threshold alert's bound as its threshold and expected range", () => {
    const n = alertNotice(
      sampleAlert({
        kind: "threshold",
        title: "⚠️ [orders] threshold upper bound breached (2026-03-01 12:00) ⚠️",
        score: undefined,
        threshold: 12,
        bounds: { upper: 12, lower: 0 },
        expected: undefined,
        tags: { alert_type: "threshold", threshold_type: "upper", threshold_value: 12, metric_value: 30 },
      }),
    );
    expect(n.tone).toBe("warning");
    expect(n.fields.slice(3)).toEqual([
      { label: "Value", value: "30" },
      { label: "Threshold", value: "upper bound 12" },
      { label: "Expected range", value: "0 to 12 (tholdalert_thresholds)" },
    ]);
  });

  it("give an LLM alert's explanations, escaped for Slack", () => {
    const n = alertNotice(
      sampleAlert({
        kind: "llm",
        threshold: undefined,
        explanations: [
          { timestamp: AT, value: 30, explanation: "Triple the usual level." },
          { timestamp: new Date(AT.getTime() - 300_000), value: 11, explanation: "Starts <rising> & more." },
        ],
      }),
    );
    expect(n.notes).toEqual([
      {
        heading: "Why Claude flagged it",
        lines: ["2026-03-01 12:00 (value 30): Triple the usual level.", "2026-03-01 11:55 (value 11): Starts <rising> & more."],
      },
    ]);
    expect(slackMessage(n).blocks[2]).toEqual({
      type: "section",
      text: {
        type: "mrkdwn",
        text: "*Why Claude flagged it*\n• 2026-03-01 12:00 (value 30): Triple the usual level.\n• 2026-03-01 11:55 (value 11): Starts &lt;rising&gt; &amp; more.",
      },
    });
    expect(renderEmail(n).html).toContain("Starts &lt;rising&gt; &amp; more.");
  });

  it("draw a flat series on the bottom row of the ASCII chart", () => {
    const flat = sampleAlert().series.map((p) => ({ ...p, value: 5, marks: [] }));
    expect(asciiChart(flat.slice(0, 3), 60, 3)).toEqual(["      5 |", "        |", "      5 |***", "          11:05 to 11:15 UTC"]);
  });
});

describe("the daily summary", () => {
  it("totals per batch and lists the most anomalous metrics, as text tables in email", () => {
    const n = summaryNotice(SUMMARY);
    expect(n.line).toBe("📊 Anomstack daily summary (2026-03-02): 2 batch(es), 3 metric(s), 780 score(s), 7 alert(s)");
    expect(renderEmail(n).text).toBe(
      [
        "📊 Anomstack daily summary (2026-03-02)",
        "======================================",
        "",
        "Window:  last 1 day(s) to 2026-03-02 09:00 UTC",
        "Batches: 2",
        "Metrics: 3",
        "Scores:  780",
        "Alerts:  7 (3 anomaly, 1 change, 2 threshold, 1 LLM)",
        "",
        "Batches not summarised:",
        "  - old: SQL failed",
        "",
        "Per batch:",
        "  batch  metrics  points  scores  anomaly  change  threshold  LLM",
        "  -----  -------  ------  ------  -------  ------  ---------  ---",
        "  shop         2     576     500        3       1          0    0",
        "  web          1     288     280        0       0          2    1",
        "",
        "Most anomalous metrics:",
        "  metric      batch  alerts  max score  mean score  last value",
        "  ----------  -----  ------  ---------  ----------  ----------",
        "  orders      shop        4       0.97        0.31    12,345.5",
        "  latency_ms  web         3          -           -         180",
        "",
        "-- ",
        "Sent by Anomstack for Windmill",
        "",
      ].join("\n"),
    );
    expect(renderEmail(n).html).toContain(
      '<th style="padding:6px 8px;border-bottom:2px solid #e5e7eb;font-size:12px;color:#6b7280;text-align:right;font-weight:600;">max score</th>',
    );
  });

  it("goes to Slack as blocks with code-block tables, never raw HTML", () => {
    const { blocks } = slackMessage(summaryNotice(SUMMARY));
    expect(JSON.stringify(blocks)).not.toMatch(/<table|<tr|<td/);
    expect(blocks.slice(3)).toEqual([
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text:
            "*Per batch*\n```batch  metrics  points  scores  anomaly  change  threshold  LLM\n" +
            "shop         2     576     500        3       1          0    0\n" +
            "web          1     288     280        0       0          2    1```",
        },
      },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text:
            "*Most anomalous metrics*\n```metric      batch  alerts  max score  mean score  last value\n" +
            "orders      shop        4       0.97        0.31    12,345.5\n" +
            "latency_ms  web         3          -           -         180```",
        },
      },
    ]);
  });
});

describe("failure notices", () => {
  const f = failureNoticeOf({
    batch: "shop",
    job: "score",
    error: "shop score: SQL failed: boom\nline 2",
    runUrl: "https://wm.example.com/run/abc?workspace=demo&x=1",
    at: AT,
  });

  it("name the batch, the job, the time, the error and link the run", () => {
    expect(f.title).toBe("❌ [shop] score failed");
    expect(f.line).toBe("❌ [shop] score failed: shop score: SQL failed: boom (https://wm.example.com/run/abc?workspace=demo&x=1)");
    expect(slackMessage(f).blocks).toEqual([
      { type: "header", text: { type: "plain_text", text: "❌ [shop] score failed", emoji: true } },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: "*Batch*\nshop" },
          { type: "mrkdwn", text: "*Job*\nscore" },
          { type: "mrkdwn", text: "*Time*\n2026-03-01 12:00 UTC" },
        ],
      },
      { type: "section", text: { type: "mrkdwn", text: "*Error*\n```shop score: SQL failed: boom\nline 2```" } },
      { type: "section", text: { type: "mrkdwn", text: "<https://wm.example.com/run/abc?workspace=demo&amp;x=1|Open the run>" } },
    ]);
    expect(renderEmail(f).text).toContain(
      "Error:\n    shop score: SQL failed: boom\n    line 2\n\nOpen the run: https://wm.example.com/run/abc?workspace=demo&x=1\n",
    );
  });

  it("cut a very long error", () => {
    const long = failureNoticeOf({ batch: "b", job: "j", error: "x".repeat(3000), at: AT });
    expect(long.notes[0].lines).toEqual(["x".repeat(2500), "… (500 more characters)"]);
    expect(long.link).toBeUndefined();
  });
});

describe("expected ranges", () => {
  it("are the values scored normal (smoothed as the alert rule does) among the newest points", () => {
    const pts = [5, 7, 6, 9, 30].map((value, i) => ({ timestamp: i, value, score: [0.1, 0.2, 0.1, 0.7, 0.99][i] }));
    // smooth_n 1: point 3 averages 0.1 and 0.7 (0.4, normal); the alert point 4 is excluded
    expect(expectedFromScores(pts, 1, 0.8, [4])).toEqual({ lower: 5, upper: 9, basis: "values scored below 0.80 in the last 5 points", from: 0 });
    // only the newest 3 points: 6 and 9 are normal, too few for a range
    expect(expectedFromScores(pts, 1, 0.8, [4], 3)).toBeUndefined();
    expect(expectedFromScores(pts, 1, 0.8, [], 4)).toEqual({ lower: 6, upper: 9, basis: "values scored below 0.80 in the last 4 points", from: 1 });
  });

  it("are median ± threshold · MAD / 0.6745 for change alerts", () => {
    expect(expectedFromMad({ median: 10, mad: 0.6745 }, 3.5)).toEqual({ lower: 6.5, upper: 13.5, basis: "MAD z-score ≤ 3.50 around the median 10" });
  });
});
