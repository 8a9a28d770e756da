// Delivery of alerts by the jobs, on a real DuckDB file: every kind goes out through alert_methods /
// tholdalert_methods with its plot, metric_tags route it, and a failing-then-recovering channel gets
// each notification exactly once while the alert row is written once (docs/alerts.md, "Delivery").
import net from "node:net";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { resolveChannelSettings } from "../../f/anomstack/alerts/channel-settings.ts";
import { createEmailChannel } from "../../f/anomstack/alerts/email.ts";
import type { AlertChannel, Notice } from "../../f/anomstack/alerts/channel.ts";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { alertJob } from "../../f/anomstack/jobs/alert.ts";
import { changeJob } from "../../f/anomstack/jobs/change.ts";
import { tholdalertJob } from "../../f/anomstack/jobs/tholdalert.ts";
import { buildAlert, flagRow } from "../../f/anomstack/jobs/emit.ts";
import { closeJobContext } from "../../f/anomstack/jobs/job-context.ts";
import type { MetricRow } from "../../f/anomstack/store/metric-row.ts";
import { openOutbox } from "../../f/anomstack/store/outbox.ts";
import { listAlerts } from "../../scripts/cli/alerts.ts";
import { fitMad } from "../../f/anomstack/ml/mad.ts";
import { formatValue } from "../../f/anomstack/core/numbers.ts";
import { makeWorkspace, noise, seriesRows, storedRows, type TestContext, type Workspace } from "../helpers/workspace.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const STEP = 300_000;
const later = (ms: number) => new Date(NOW.getTime() + ms);
let ws: Workspace;

beforeEach(() => {
  ws = makeWorkspace();
});
afterAll(async () => {
  await closeAllDuckdbInstances();
});

/** A channel that fails its first `failures` sends, then records what it sends. */
function channel(name: string, destination: string, failures = 0) {
  const sent: { title: string; to: string; png: boolean; notice: Notice }[] = [];
  let calls = 0;
  const ch: AlertChannel = {
    name,
    defaultDestination: destination,
    async send(notice, to) {
      calls++;
      if (calls <= failures) throw new Error(`${name} is down (${calls})`);
      sent.push({ title: notice.title, to, png: notice.image !== undefined, notice });
    },
  };
  return { ch, sent, calls: () => calls };
}

/** Values and scores of `metric`: 40 quiet points, then `last` with score `score` at NOW. */
function scoredRows(batch: string, metric: string, last: number, score: number): MetricRow[] {
  const values = [...noise(40, metric.length).map((x) => 10 + x), last];
  const scores = [...noise(40, 3).map((x) => 0.1 + x * 0.2), score];
  return [
    ...seriesRows(batch, metric, values, NOW, STEP),
    ...seriesRows(batch, metric, scores, NOW, STEP).map((r) => ({ ...r, metric_type: "score" as const })),
  ];
}

async function seeded(batch: string, yaml: string, channels: AlertChannel[], now = NOW): Promise<TestContext> {
  ws.writeBatch(batch, `ingest_sql: select 1\nalert_smooth_n: 0\nalert_threshold: 0.8\n${yaml}`);
  const ctx = await ws.open(batch, now, { channels });
  return ctx;
}

/** The outbox records of the batch, one list per alert: `channel status attempts`. */
async function deliveries(ctx: TestContext): Promise<string[][]> {
  const records = await (await openOutbox(ctx.store)).all(ctx.cfg.metric_batch);
  const byAlert = new Map<string, string[]>();
  for (const r of records) {
    const key = `${r.type} ${r.metric} ${r.timestamp}`;
    byAlert.set(key, [...(byAlert.get(key) ?? []), `${r.channel} ${r.status} ${r.attempts}`]);
  }
  return [...byAlert.values()];
}

describe("exactly-once delivery", () => {
  it("retries only the failed channel on the next run, sends each notification once, saves the row once", async () => {
    const email = channel("email", "ops@example.com", 1);
    const slack = channel("slack", "#alerts");
    const ctx = await seeded("shop", "", [email.ch, slack.ch]);
    await ctx.store.append(scoredRows("shop", "orders", 30, 0.95));

    const first = await alertJob(ctx);
    expect(first.saved).toBe(1);
    expect(first.delivery).toEqual({
      sent: 1,
      pending: 1,
      failed: [{ metric: "orders", timestamp: "2026-03-01T12:00:00.000Z", channel: "email", to: "ops@example.com", error: "email is down (1)" }],
    });
    expect(ctx.logLines.filter((l) => l.level === "error").map((l) => l.msg)).toEqual([
      "shop orders: anomaly alert at 2026-03-01T12:00:00.000Z not sent by email to ops@example.com: email is down (1) (attempt 1; retried by the next run until 2026-03-02T12:00:00.000Z)",
    ]);
    expect(await deliveries(ctx)).toEqual([["email pending 1", "slack sent 1"]]);
    await closeJobContext(ctx);

    // the next run: no new alert (snoozed/stored), the pending email goes out; Slack is not repeated
    const next = await ws.open("shop", later(STEP), { channels: [email.ch, slack.ch] });
    const second = await alertJob(next);
    expect(second.alerts).toEqual([]);
    expect(second.delivery).toEqual({ sent: 1, pending: 0, failed: [] });
    expect(await deliveries(next)).toEqual([["email sent 2", "slack sent 1"]]);
    const third = await alertJob(next);
    expect(third.delivery).toEqual({ sent: 0, pending: 0, failed: [] });

    expect(email.sent.map((s) => [s.title, s.to, s.png])).toEqual([["🔥 [orders] looks anomalous (2026-03-01 12:00) 🔥", "ops@example.com", true]]);
    expect(slack.sent.map((s) => [s.title, s.to, s.png])).toEqual([["🔥 [orders] looks anomalous (2026-03-01 12:00) 🔥", "#alerts", true]]);
    expect(email.calls()).toBe(2);
    expect(await storedRows(next, "alert")).toHaveLength(1);
    // the console-like recorder saw the new alert once, not the retries
    expect(ctx.sent).toHaveLength(1);
    await closeJobContext(next);
  });

  it("anomstack alerts lists every kind with its delivery state", async () => {
    const email = channel("email", "ops@example.com", 1);
    const ctx = await seeded("shop", "alert_methods: email\n", [email.ch]);
    await ctx.store.append(scoredRows("shop", "orders", 30, 0.95));
    await alertJob(ctx);
    await closeJobContext(ctx);
    const listed = await listAlerts("shop", new Date(NOW.getTime() - 3_600_000), NOW, { ...process.env, ...ws.env });
    expect(listed).toEqual([
      {
        time: "2026-03-01T12:00:00.000Z",
        batch: "shop",
        metric: "orders",
        kind: "anomaly",
        score: 0.95,
        value: 30,
        deliveries: ["email ops@example.com: pending (email is down (1))"],
      },
    ]);
  });

  it("two runs at once save the alert once and send each notification once", async () => {
    const email = channel("email", "ops@example.com");
    const slack = channel("slack", "#alerts");
    const ctx = await seeded("shop", "", [email.ch, slack.ch]);
    await ctx.store.append(scoredRows("shop", "orders", 30, 0.95));
    const other = await ws.open("shop", NOW, { channels: [email.ch, slack.ch] });
    const [a, b] = await Promise.all([alertJob(ctx), alertJob(other)]);
    expect(a.saved + b.saved).toBe(1);
    expect(a.delivery.sent + b.delivery.sent).toBe(2);
    expect(email.sent).toHaveLength(1);
    expect(slack.sent).toHaveLength(1);
    expect(await deliveries(ctx)).toEqual([["email sent 1", "slack sent 1"]]);
    await closeJobContext(other);
    await closeJobContext(ctx);
  });

  it("a channel that hangs costs its timeout once per run: its other messages stay pending untried", async () => {
    // an SMTP server that accepts connections and never says hello
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as net.AddressInfo).port;
    const email = createEmailChannel({
      ...resolveChannelSettings({
        ANOMSTACK_ALERT_EMAIL_FROM: "a@example.com",
        ANOMSTACK_ALERT_EMAIL_TO: "ops@example.com",
        ANOMSTACK_ALERT_EMAIL_SMTP_HOST: "127.0.0.1",
        ANOMSTACK_ALERT_EMAIL_SMTP_PORT: String(port),
        ANOMSTACK_ALERT_EMAIL_SMTP_SECURITY: "none",
        ANOMSTACK_ALERT_EMAIL_TIMEOUT_SECONDS: "1",
      }).email!,
    });
    const ctx = await seeded("shop", "alert_methods: email\n", [email]);
    for (const m of ["orders", "refunds", "visits"]) await ctx.store.append(scoredRows("shop", m, 30, 0.95));
    const r = await alertJob(ctx);
    expect(r.alerts).toHaveLength(3);
    expect(sockets).toHaveLength(1); // one connection attempt, not three
    expect(r.delivery.sent).toBe(0);
    expect(r.delivery.pending).toBe(3);
    expect(r.delivery.failed.map((f) => f.error.replace(/\(.*\)$/, "(…)"))).toEqual([
      expect.stringMatching(/^SMTP 127\.0\.0\.1:\d+: .*(timeout|Greeting never received)/i),
      "not tried: email was not reachable earlier in this run (…)",
      "not tried: email was not reachable earlier in this run (…)",
    ]);
    expect(await deliveries(ctx)).toEqual([["email pending 1"], ["email pending 0"], ["email pending 0"]]);
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
    await closeJobContext(ctx);
  });

  it("delivers an alert whose run died after saving it", async () => {
    const email = channel("email", "ops@example.com");
    const ctx = await seeded("shop", "", [email.ch]);
    await ctx.store.append(scoredRows("shop", "orders", 30, 0.95));
    // what a run leaves behind when it dies between saving the row and sending
    const alert = buildAlert(ctx, "anomaly", "orders", { timestamp: NOW.getTime(), value: 30, score: 0.95, threshold: 0.8 });
    await ctx.store.append([flagRow(ctx, "orders", "alert", NOW.getTime(), { alert })]);
    const outbox = await openOutbox(ctx.store);
    await outbox.add([
      {
        batch: "shop",
        metric: "orders",
        type: "alert",
        timestamp: NOW.getTime(),
        channel: "email",
        to: "ops@example.com",
        status: "pending",
        createdAt: NOW.getTime(),
      },
    ]);
    const r = await alertJob(ctx);
    expect(r).toMatchObject({ alerts: [], saved: 0, delivery: { sent: 1, pending: 0, failed: [] } });
    expect(email.sent.map((s) => s.title)).toEqual(["🔥 [orders] looks anomalous (2026-03-01 12:00) 🔥"]);
    await closeJobContext(ctx);
  });

  it("gives a notification up after alert_delivery_retry_hours, without sending it", async () => {
    const email = channel("email", "ops@example.com", 99);
    const ctx = await seeded("shop", "alert_delivery_retry_hours: 2\n", [email.ch]);
    await ctx.store.append(scoredRows("shop", "orders", 30, 0.95));
    await alertJob(ctx);
    await closeJobContext(ctx);
    const late = await ws.open("shop", later(3 * 3_600_000), { channels: [email.ch] });
    const r = await alertJob(late);
    expect(r.delivery.failed).toEqual([
      {
        metric: "orders",
        timestamp: "2026-03-01T12:00:00.000Z",
        channel: "email",
        to: "ops@example.com",
        error: "gave up after 1 attempt(s) in 2 h (alert_delivery_retry_hours); last error: email is down (1)",
      },
    ]);
    expect(email.calls()).toBe(1);
    expect(await deliveries(late)).toEqual([["email failed 1", "slack skipped 0"]]);
    await closeJobContext(late);
  });
});

describe("every alert kind", () => {
  it("anomaly, change and threshold alerts arrive with their plot, expected range and methods", async () => {
    const email = channel("email", "ops@example.com");
    const slack = channel("slack", "#alerts");
    // change_smooth_n 1: a single value can be a change (the default asks for a new level over 12 points)
    const yaml = "disable_tholdalert: false\nchange_smooth_n: 1\ntholdalert_methods: slack\ntholdalert_thresholds:\n  orders:\n    upper: 20\n";
    const ctx = await seeded("shop", yaml, [email.ch, slack.ch]);
    await ctx.store.append(scoredRows("shop", "orders", 30, 0.95));
    await alertJob(ctx);
    await changeJob(ctx);
    await tholdalertJob(ctx);
    expect(email.sent.map((s) => s.title)).toEqual([
      "🔥 [orders] looks anomalous (2026-03-01 12:00) 🔥",
      "Δ [orders] looks changed (2026-03-01 12:00) Δ",
    ]);
    expect(slack.sent.map((s) => s.title)).toEqual([
      "🔥 [orders] looks anomalous (2026-03-01 12:00) 🔥",
      "Δ [orders] looks changed (2026-03-01 12:00) Δ",
      "⚠️ [orders] threshold upper bound breached (2026-03-01 12:00) ⚠️",
    ]);
    expect([...email.sent, ...slack.sent].every((s) => s.png)).toBe(true);
    const [anomaly, change, threshold] = slack.sent.map((s) => s.notice);
    expect(anomaly.alert?.series).toHaveLength(41);
    expect(anomaly.alert?.series.at(-1)).toEqual({ timestamp: NOW.getTime(), value: 30, score: 0.95, marks: ["anomaly"] });
    expect(anomaly.fields.find((f) => f.label === "Expected range")?.value).toBe("10 to 10.9858 (values scored below 0.80 in the last 41 points)");
    // change: the lower panel shows every point's MAD score, the expected range is the MAD band
    expect(change.alert?.scoreLabel).toBe("change score (MAD z)");
    expect(change.alert?.series.at(-1)?.marks).toEqual(["anomaly", "change"]);
    const mad = fitMad(noise(40, "orders".length).map((x) => 10 + x));
    const half = (3.5 * mad.mad) / 0.6745;
    expect(change.fields.find((f) => f.label === "Expected range")?.value).toBe(
      `${formatValue(mad.median - half)} to ${formatValue(mad.median + half)} (MAD z-score ≤ 3.50 around the median ${formatValue(mad.median)})`,
    );
    expect(change.fields.find((f) => f.label === "Expected range")?.value).toBe("9.3485 to 11.3733 (MAD z-score ≤ 3.50 around the median 10.3609)");
    // threshold: the bound is drawn, and the point carries every alert stored at it
    expect(threshold.alert?.bounds).toEqual({ upper: 20 });
    expect(threshold.alert?.series.at(-1)?.marks).toEqual(["anomaly", "change", "threshold"]);
    expect(threshold.fields.slice(4)).toEqual([
      { label: "Threshold", value: "upper bound 20" },
      { label: "Expected range", value: "at most 20 (tholdalert_thresholds)" },
    ]);
    await closeJobContext(ctx);
  });

  it("routes by metric_tags through alert_routes, and adds the tags to the message", async () => {
    const email = channel("email", "ops@example.com");
    const slack = channel("slack", "#alerts");
    const yaml = [
      "metric_tags:",
      "  orders: {priority: high, team: sales}",
      "  visits: {priority: low}",
      "alert_routes:",
      "  - match: {priority: high}",
      "    email_to: [oncall@example.com]",
      "    slack_channel: '#incidents'",
      "  - match: {priority: low}",
      "    slack_channel: '#low-priority'",
      "    replace: true",
    ].join("\n");
    const ctx = await seeded("shop", `${yaml}\n`, [email.ch, slack.ch]);
    await ctx.store.append([...scoredRows("shop", "orders", 30, 0.95), ...scoredRows("shop", "visits", 50, 0.99)]);
    await alertJob(ctx);
    expect(email.sent.map((s) => [s.notice.alert?.metric, s.to])).toEqual([
      ["orders", "ops@example.com, oncall@example.com"],
      ["visits", "ops@example.com"],
    ]);
    expect(slack.sent.map((s) => [s.notice.alert?.metric, s.to])).toEqual([
      ["orders", "#alerts"],
      ["orders", "#incidents"],
      ["visits", "#low-priority"],
    ]);
    expect(email.sent[0].notice.tags).toEqual([
      ["priority", "high"],
      ["team", "sales"],
    ]);
    await closeJobContext(ctx);
  });
});

describe("bad delivery settings", () => {
  it("an unknown method fails with the batch and metric named; the known ones still send; the row is saved once", async () => {
    const email = channel("email", "ops@example.com");
    const ctx = await seeded("shop", "alert_methods: email,slak\n", [email.ch]);
    await ctx.store.append([...scoredRows("shop", "orders", 30, 0.95), ...scoredRows("shop", "visits", 50, 0.99)]);
    const r = await alertJob(ctx);
    expect(r.saved).toBe(2);
    expect(r.delivery_failures).toBe(2);
    expect(email.sent.map((s) => s.notice.alert?.metric)).toEqual(["orders", "visits"]);
    expect(ctx.logLines.filter((l) => l.level === "error").map((l) => l.msg)).toEqual([
      'shop orders: anomaly alert at 2026-03-01T12:00:00.000Z not sent by slak: unknown alert method "slak" in alert_methods (valid: email, slack); did you mean "slack"?',
      'shop visits: anomaly alert at 2026-03-01T12:00:00.000Z not sent by slak: unknown alert method "slak" in alert_methods (valid: email, slack); did you mean "slack"?',
    ]);
    // nothing is pending, so a re-run sends nothing again
    expect((await alertJob(ctx)).delivery).toEqual({ sent: 0, pending: 0, failed: [] });
    await closeJobContext(ctx);
  });

  it("without any configured method the alert is saved and the warning names the batch and metric", async () => {
    const ctx = await seeded("shop", "", []);
    await ctx.store.append(scoredRows("shop", "orders", 30, 0.95));
    const r = await alertJob(ctx);
    expect(r.saved).toBe(1);
    expect(ctx.logLines.filter((l) => l.level === "warn").map((l) => l.msg)).toEqual([
      "shop orders: anomaly alert at 2026-03-01T12:00:00.000Z saved but not sent: no alert method configured: " +
        "email is not configured (set ANOMSTACK_ALERT_EMAIL_FROM and ANOMSTACK_ALERT_EMAIL_TO (and the SMTP host, port and password)); " +
        "slack is not configured (set ANOMSTACK_SLACK_BOT_TOKEN and ANOMSTACK_SLACK_CHANNEL)",
    ]);
    expect(ctx.sent.map((a) => a.title)).toEqual(["🔥 [orders] looks anomalous (2026-03-01 12:00) 🔥"]);
    await closeJobContext(ctx);
  });

  it("one metric's failing destination does not stop the other metrics' alerts", async () => {
    const slackCalls: string[] = [];
    const slack: AlertChannel = {
      name: "slack",
      defaultDestination: "#alerts",
      async send(n, to) {
        if (to === "#nope") throw new Error("Slack channel #nope not found");
        slackCalls.push(`${n.alert?.metric} ${to}`);
      },
    };
    const yaml =
      "alert_methods: slack\nmetric_tags:\n  orders: {team: x}\nalert_routes:\n  - match: {team: x}\n    slack_channel: '#nope'\n    replace: true\n";
    const ctx = await seeded("shop", yaml, [slack]);
    await ctx.store.append([...scoredRows("shop", "orders", 30, 0.95), ...scoredRows("shop", "visits", 50, 0.99)]);
    const r = await alertJob(ctx);
    expect(slackCalls).toEqual(["visits #alerts"]);
    expect(r.delivery.failed.map((f) => `${f.metric} ${f.to}: ${f.error}`)).toEqual(["orders #nope: Slack channel #nope not found"]);
    await closeJobContext(ctx);
  });
});
