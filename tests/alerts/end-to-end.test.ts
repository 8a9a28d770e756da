// The stage scripts end to end with the channels configured by the original's environment variables:
// a real SMTP server (STARTTLS + AUTH) and a Slack stand-in. Slack fails on the first run; the retried
// run sends only the missing Slack message; no secret reaches a log line or a result.
import { simpleParser } from "mailparser";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { runStage } from "../../f/anomstack/stages/run-stage.ts";
import { memoryLogger } from "../../f/anomstack/core/log.ts";
import { main as notifyFailure } from "../../f/anomstack/notify_failure.ts";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { closeJobContext } from "../../f/anomstack/jobs/job-context.ts";
import { makeWorkspace, noise, seriesRows, type Workspace } from "../helpers/workspace.ts";
import { slackCalls, startSlack, type StandIn } from "./helpers/http-standin.ts";
import { startSmtp, type SmtpStandIn } from "./helpers/smtp.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const STEP = 300_000;
const PASSWORD = "e2e-smtp-password-42";
const TOKEN = "xoxb-9999-e2e-slack-token";

let ws: Workspace;
let smtp: SmtpStandIn;
let slack: StandIn;
let env: Record<string, string>;

beforeEach(async () => {
  ws = makeWorkspace();
  smtp = await startSmtp({ user: "anomstack@example.com", password: PASSWORD });
  slack = await startSlack();
  env = {
    ...ws.env,
    ANOMSTACK_ALERT_EMAIL_FROM: "anomstack@example.com",
    ANOMSTACK_ALERT_EMAIL_TO: "ops@example.com, data@example.com",
    ANOMSTACK_ALERT_EMAIL_SMTP_HOST: "127.0.0.1",
    ANOMSTACK_ALERT_EMAIL_SMTP_PORT: String(smtp.port),
    ANOMSTACK_ALERT_EMAIL_PASSWORD: PASSWORD,
    ANOMSTACK_ALERT_EMAIL_SMTP_CA: smtp.cert,
    ANOMSTACK_SLACK_BOT_TOKEN: TOKEN,
    ANOMSTACK_SLACK_CHANNEL: "#alerts",
    ANOMSTACK_SLACK_API_URL: `${slack.url}/api`,
    ANOMSTACK_SLACK_RETRIES: "0",
  };
});
afterEach(async () => {
  await smtp.close();
  await slack.close();
});
afterAll(async () => {
  await closeAllDuckdbInstances();
});

async function seed(yaml: string) {
  ws.writeBatch("shop", `ingest_sql: select 1\nalert_smooth_n: 0\nalert_threshold: 0.8\n${yaml}`);
  const ctx = await ws.open("shop", NOW);
  const values = [...noise(40).map((x) => 10 + x), 30];
  const scores = [...noise(40, 5).map((x) => 0.1 + x * 0.2), 0.95];
  await ctx.store.append([
    ...seriesRows("shop", "orders", values, NOW, STEP),
    ...seriesRows("shop", "orders", scores, NOW, STEP).map((r) => ({ ...r, metric_type: "score" as const })),
  ]);
  await closeJobContext(ctx);
}

describe("alerts configured by environment variables", () => {
  it("email and Slack get the alert with its plot once, a failed Slack post is sent by the next run only", async () => {
    await seed("");
    slack.handlers.set("/api/chat.postMessage", () => ({ status: 500, body: "upstream down" }));
    const log = memoryLogger();
    const first = await runStage("alert", "shop", { env, now: NOW, log });
    expect(first).toMatchObject({ status: "ok", saved: 1, delivery: { sent: 1, pending: 1 } });
    expect((first as any).delivery.failed[0].error).toMatch(/^Slack chat\.postMessage: An HTTP protocol error occurred: statusCode = 500/);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]).toMatchObject({ to: ["ops@example.com", "data@example.com"], secure: true, user: "anomstack@example.com" });
    const mail = await simpleParser(smtp.mails[0].raw);
    expect(mail.subject).toBe("🔥 [orders] looks anomalous (2026-03-01 12:00) 🔥");
    expect(mail.attachments.map((a) => [a.contentType, a.cid])).toEqual([["image/png", "plot@anomstack"]]);

    // Slack is back: the next run posts to Slack and uploads the plot; nobody gets a second email
    slack.handlers.set("/api/chat.postMessage", (r) => ({ body: { ok: true, channel: r.form?.channel, ts: "1700000000.000100" } }));
    slack.requests.length = 0;
    const second = await runStage("alert", "shop", { env, now: new Date(NOW.getTime() + STEP), log });
    expect(second).toMatchObject({ status: "ok", alerts: [], saved: 0, delivery: { sent: 1, pending: 0, failed: [] } });
    expect(slackCalls(slack)).toEqual([
      "conversations.list",
      "conversations.list",
      "chat.postMessage",
      "files.getUploadURLExternal",
      "(upload)",
      "files.completeUploadExternal",
    ]);
    expect(slack.requests[2].form?.text?.split("\n")[0]).toBe("🔥 [orders] looks anomalous (2026-03-01 12:00) 🔥");
    const third = await runStage("alert", "shop", { env, now: new Date(NOW.getTime() + 2 * STEP), log });
    expect(third).toMatchObject({ delivery: { sent: 0, pending: 0, failed: [] } });
    expect(smtp.mails).toHaveLength(1);

    const everything = JSON.stringify([log.lines, first, second, third]);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(TOKEN);
  });

  it("one incident in one run is one message per channel naming every kind, with one plot; the alert rows stay separate", async () => {
    // a breach: the value is anomalous, changed and over its static bound at the same point (change_smooth_n 1:
    // one value can be a change; the default asks for a new level over 12 points)
    await seed("disable_tholdalert: false\nchange_smooth_n: 1\ntholdalert_thresholds:\n  orders:\n    upper: 20\n");
    const log = memoryLogger();
    const run = { env, now: NOW, log, deliver: false };
    expect(await runStage("tholdalert", "shop", run)).toMatchObject({ saved: 1, delivery: { sent: 0, pending: 2 } });
    expect(await runStage("alert", "shop", run)).toMatchObject({ saved: 1, delivery: { sent: 0, pending: 2 } });
    expect(await runStage("change", "shop", run)).toMatchObject({ saved: 1, delivery: { sent: 0, pending: 2 } });
    expect(smtp.mails).toHaveLength(0);
    slack.handlers.set("/api/chat.postMessage", (r) => ({ body: { ok: true, channel: r.form?.channel, ts: "1700000000.000100" } }));
    const delivered = await runStage("deliver", "shop", { env, now: NOW, log });
    expect(delivered).toMatchObject({ status: "ok", delivery: { sent: 6, pending: 0, failed: [] } });
    expect(smtp.mails).toHaveLength(1);
    const mail = await simpleParser(smtp.mails[0].raw, { skipImageLinks: true });
    expect(mail.subject).toBe("🚨 [orders] anomaly, threshold and change alerts (2026-03-01 12:00) 🚨");
    expect(mail.text).toContain("Threshold alert");
    expect(mail.text).toContain("Change alert");
    expect(mail.attachments.map((a) => a.contentType)).toEqual(["image/png"]);
    expect(slackCalls(slack).filter((c) => c === "chat.postMessage")).toHaveLength(1);
    expect(slackCalls(slack).filter((c) => c === "files.completeUploadExternal")).toHaveLength(1);
    // three flag rows, one per kind
    const ctx = await ws.open("shop", NOW);
    const kinds = await ctx.store.query<{ metric_type: string }>(
      "select metric_type from metrics where metric_type in ('alert', 'change', 'tholdalert') order by 1",
    );
    expect(kinds.map((k) => k.metric_type)).toEqual(["alert", "change", "tholdalert"]);
    // nothing is sent twice
    expect(await runStage("deliver", "shop", { env, now: NOW, log })).toMatchObject({ delivery: { sent: 0, pending: 0 } });
    expect(smtp.mails).toHaveLength(1);
    await closeJobContext(ctx);
  });

  it("threshold alerts arrive, with their plot, through tholdalert_methods", async () => {
    await seed("disable_tholdalert: false\ntholdalert_methods: email\ntholdalert_thresholds:\n  orders:\n    upper: 20\n");
    const r = await runStage("tholdalert", "shop", { env, now: NOW, log: memoryLogger() });
    expect(r).toMatchObject({ status: "ok", saved: 1, delivery: { sent: 1, pending: 0, failed: [] } });
    expect(slack.requests).toHaveLength(0);
    const mail = await simpleParser(smtp.mails[0].raw, { skipImageLinks: true });
    expect(mail.subject).toBe("⚠️ [orders] threshold upper bound breached (2026-03-01 12:00) ⚠️");
    expect(mail.text).toContain("Threshold:      upper bound 20\nExpected range: at most 20 (tholdalert_thresholds)\n");
    expect(String(mail.html)).toContain('src="cid:plot@anomstack"');
    expect(mail.attachments[0].contentType).toBe("image/png");
  });

  it("the flows' failure handler sends the notice by email and Slack, the error redacted", async () => {
    const settings = { env: { ...env, ANOMSTACK_FAILURE_SLACK_CHANNEL: "C0FAILURES1" } };
    const out = await notifyFailure(
      "shop",
      "score",
      `SQL failed while using ${TOKEN}`,
      "https://windmill.example.com/run/0192?workspace=demo",
      false,
      settings,
    );
    expect(out).toMatchObject({
      title: "❌ [shop] score failed",
      sent: [
        { channel: "email", to: "ops@example.com, data@example.com" },
        { channel: "slack", to: "C0FAILURES1" },
      ],
      failed: [],
    });
    expect(JSON.stringify(out)).not.toContain(TOKEN);
    const mail = await simpleParser(smtp.mails[0].raw);
    expect(mail.subject).toBe("❌ [shop] score failed");
    expect(mail.text).toContain("Error:\n    SQL failed while using ***\n\nOpen the run: https://windmill.example.com/run/0192?workspace=demo\n");
    expect(slackCalls(slack)).toEqual(["chat.postMessage"]);
    expect(JSON.parse(slack.requests[0].form?.blocks ?? "[]")[2]).toEqual({
      type: "section",
      text: { type: "mrkdwn", text: "*Error*\n```SQL failed while using ***```" },
    });
  });
});
