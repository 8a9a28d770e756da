// Channel settings from the original's environment variables, the secrets they hide, and routing.
import { describe, expect, it } from "vitest";
import { createRedactor, redactDeep, redactingLogger } from "../../f/anomstack/core/redact.ts";
import { resolveChannelSettings, splitAddresses } from "../../f/anomstack/alerts/channel-settings.ts";
import { parseMethods, planDeliveries, routeMatches, type AlertRoute } from "../../f/anomstack/alerts/routes.ts";
import type { AlertChannel } from "../../f/anomstack/alerts/channel.ts";
import { memoryLogger } from "../../f/anomstack/core/log.ts";

describe("resolveChannelSettings", () => {
  it("reads the original's email and Slack variables, with the original's SMTP defaults", () => {
    const s = resolveChannelSettings({
      ANOMSTACK_ALERT_EMAIL_FROM: "anomstack@example.com",
      ANOMSTACK_ALERT_EMAIL_TO: "a@example.com, b@example.com;a@example.com",
      ANOMSTACK_ALERT_EMAIL_PASSWORD: "app-password-1",
      ANOMSTACK_SLACK_BOT_TOKEN: "xoxb-123-456-abcdef",
      ANOMSTACK_SLACK_CHANNEL: "#anomalies",
      ANTHROPIC_API_KEY: "sk-ant-test-key",
    });
    expect(s.email).toEqual({
      from: "anomstack@example.com",
      to: ["a@example.com", "b@example.com"],
      host: "smtp.gmail.com",
      port: 587,
      security: "starttls",
      user: "anomstack@example.com",
      password: "app-password-1",
      ca: undefined,
      failureTo: ["a@example.com", "b@example.com"],
      timeoutMs: 15_000,
    });
    expect(s.slack).toEqual({
      token: "xoxb-123-456-abcdef",
      channel: "#anomalies",
      failureChannel: "#anomalies",
      apiUrl: undefined,
      retries: 5,
      retryMinMs: 1000,
    });
    expect(s.llm).toEqual({ apiKey: "sk-ant-test-key", baseUrl: undefined, timeoutMs: 120_000, maxAttempts: 3, retryMinMs: 2000 });
    expect(s.problems).toEqual([]);
  });

  it("takes the host, port, TLS mode, failure recipients and the Windmill resource's key name", () => {
    const s = resolveChannelSettings({
      ANOMSTACK_ALERT_EMAIL_FROM: "x@example.com",
      ANOMSTACK_ALERT_EMAIL_TO: "ops@example.com",
      ANOMSTACK_ALERT_EMAIL_SMTP_HOST: "mail.example.com",
      ANOMSTACK_ALERT_EMAIL_SMTP_PORT: "2525",
      ANOMSTACK_ALERT_EMAIL_SMTP_SECURITY: "TLS",
      ANOMSTACK_FAILURE_EMAIL_TO: "oncall@example.com",
      ANOMSTACK_SLACK_BOT_TOKEN: "xoxb-1",
      ANOMSTACK_SLACK_API_URL: "http://127.0.0.1:9/api",
      ANOMSTACK_ANTHROPIC_API_KEY: "sk-ant-resource",
      ANTHROPIC_API_KEY: "sk-ant-env",
    });
    expect(s.email).toMatchObject({ host: "mail.example.com", port: 2525, security: "tls", failureTo: ["oncall@example.com"] });
    expect(s.slack).toMatchObject({ channel: undefined, apiUrl: "http://127.0.0.1:9/api/" });
    expect(s.llm?.apiKey).toBe("sk-ant-resource");
  });

  it("leaves half-configured channels out and says why", () => {
    const s = resolveChannelSettings({
      ANOMSTACK_ALERT_EMAIL_TO: "ops@example.com",
      ANOMSTACK_SLACK_CHANNEL: "#x",
      ANOMSTACK_LLM_TIMEOUT_SECONDS: "soon",
    });
    expect([s.email, s.slack, s.llm]).toEqual([undefined, undefined, undefined]);
    expect(s.problems).toEqual([
      "email: ANOMSTACK_ALERT_EMAIL_TO is set but ANOMSTACK_ALERT_EMAIL_FROM is not",
      "slack: ANOMSTACK_SLACK_CHANNEL is set but ANOMSTACK_SLACK_BOT_TOKEN is not",
    ]);
    const bad = resolveChannelSettings({
      ANOMSTACK_ALERT_EMAIL_FROM: "a@x.io",
      ANOMSTACK_ALERT_EMAIL_TO: "b@x.io",
      ANOMSTACK_ALERT_EMAIL_SMTP_PORT: "x",
    });
    expect(bad.problems).toEqual(['ANOMSTACK_ALERT_EMAIL_SMTP_PORT: expected an integer ≥ 1, got "x"']);
    expect(bad.email?.port).toBe(587);
  });

  it("splits address lists on commas and semicolons", () => {
    expect(splitAddresses(" a@x.io ;b@x.io,, a@x.io ")).toEqual(["a@x.io", "b@x.io"]);
    expect(splitAddresses(["a@x.io, c@x.io", "b@x.io"])).toEqual(["a@x.io", "c@x.io", "b@x.io"]);
  });
});

describe("redaction", () => {
  it("replaces the configured secrets (also URL- and base64-encoded) and token shapes", () => {
    const redact = createRedactor(["hunter2-password", undefined, "abc"]);
    expect(redact("535 login hunter2-password failed")).toBe("535 login *** failed");
    expect(redact(`pass=${encodeURIComponent("hunter2-password")}`)).toBe("pass=***");
    expect(redact(`AUTH ${Buffer.from("hunter2-password").toString("base64")}`)).toBe("AUTH ***");
    expect(redact("abc is too short to be a secret")).toBe("abc is too short to be a secret");
    expect(redact("token xoxb-999-888-zzz and key sk-ant-api03-Q_w-e and Authorization: Bearer abcdefghijkl")).toBe(
      "token *** and key *** and Authorization: Bearer ***",
    );
    expect(redact("https://user:s3cret@smtp.example.com:587")).toBe("https://user:***@smtp.example.com:587");
  });

  it("covers every log line and every string of a result", () => {
    const log = memoryLogger();
    const redact = createRedactor(["xoxb-secret-token"]);
    redactingLogger(log, redact).child("b").error("Slack said xoxb-secret-token is bad");
    expect(log.lines).toEqual([{ level: "error", scope: "b", msg: "Slack said *** is bad" }]);
    expect(redactDeep({ a: ["xoxb-secret-token"], n: 1, d: { e: "x xoxb-secret-token" } }, redact)).toEqual({ a: ["***"], n: 1, d: { e: "x ***" } });
  });
});

describe("routing", () => {
  const email: AlertChannel = { name: "email", defaultDestination: "ops@example.com", send: async () => undefined };
  const slack: AlertChannel = { name: "slack", defaultDestination: "#alerts", send: async () => undefined };
  const both = new Map([
    ["email", email],
    ["slack", slack],
  ]);
  const tags = { metric_batch: "shop", metric_name: "orders", alert_type: "anomaly", priority: "high", team: "payments" };

  it("parses alert_methods", () => {
    expect(parseMethods("Email, slack,email")).toEqual(["email", "slack"]);
    expect(parseMethods(" ")).toEqual([]);
  });

  it("matches routes on every listed tag; a list matches any of its values; no match = every alert", () => {
    expect(routeMatches({ match: { priority: "high", alert_type: ["anomaly", "change"] }, email_to: "x" }, tags)).toBe(true);
    expect(routeMatches({ match: { priority: "low" }, email_to: "x" }, tags)).toBe(false);
    expect(routeMatches({ match: { missing: "x" }, email_to: "x" }, tags)).toBe(false);
    expect(routeMatches({ slack_channel: "#all" }, tags)).toBe(true);
  });

  it("sends to the defaults plus every matching route's recipients and channels", () => {
    const routes: AlertRoute[] = [
      { match: { priority: "high" }, email_to: ["oncall@example.com", "ops@example.com"], slack_channel: "#incidents" },
      { match: { team: "payments" }, slack_channel: ["#Incidents", "C0123456789"] },
      { match: { priority: "low" }, email_to: "nobody@example.com" },
    ];
    expect(planDeliveries("email,slack", "alert_methods", tags, routes, both)).toEqual({
      deliveries: [
        { channel: "email", to: "ops@example.com, oncall@example.com", status: "pending" },
        { channel: "slack", to: "#alerts", status: "pending" },
        { channel: "slack", to: "#incidents", status: "pending" },
        { channel: "slack", to: "C0123456789", status: "pending" },
      ],
    });
  });

  it("replaces the defaults when a matching route says replace", () => {
    const routes: AlertRoute[] = [{ match: { team: "payments" }, slack_channel: "#payments", replace: true }];
    expect(planDeliveries("slack,email", "alert_methods", tags, routes, both).deliveries).toEqual([
      { channel: "slack", to: "#payments", status: "pending" },
      { channel: "email", to: "ops@example.com", status: "pending" },
    ]);
  });

  it("fails an unknown method, skips an unconfigured one, and says when nothing will be sent", () => {
    expect(planDeliveries("email,slak", "alert_methods", tags, [], new Map([["email", email]]))).toEqual({
      deliveries: [
        { channel: "email", to: "ops@example.com", status: "pending" },
        {
          channel: "slak",
          to: "",
          status: "failed",
          error: 'unknown alert method "slak" in alert_methods (valid: email, slack); did you mean "slack"?',
        },
      ],
    });
    expect(planDeliveries("email,slack", "tholdalert_methods", tags, [], new Map())).toEqual({
      deliveries: [
        {
          channel: "email",
          to: "",
          status: "skipped",
          error: "email is not configured (set ANOMSTACK_ALERT_EMAIL_FROM and ANOMSTACK_ALERT_EMAIL_TO (and the SMTP host, port and password))",
        },
        { channel: "slack", to: "", status: "skipped", error: "slack is not configured (set ANOMSTACK_SLACK_BOT_TOKEN and ANOMSTACK_SLACK_CHANNEL)" },
      ],
      problem:
        "no alert method configured: email is not configured (set ANOMSTACK_ALERT_EMAIL_FROM and ANOMSTACK_ALERT_EMAIL_TO (and the SMTP host, port and password)); slack is not configured (set ANOMSTACK_SLACK_BOT_TOKEN and ANOMSTACK_SLACK_CHANNEL)",
    });
    expect(planDeliveries("", "alert_methods", tags, [], both)).toEqual({
      deliveries: [],
      problem: "no alert method configured (alert_methods is empty)",
    });
    const noChannel: AlertChannel = { name: "slack", send: async () => undefined };
    expect(planDeliveries("slack", "alert_methods", tags, [], new Map([["slack", noChannel]])).deliveries).toEqual([
      { channel: "slack", to: "", status: "failed", error: "no slack destination (set ANOMSTACK_SLACK_CHANNEL or an alert route's slack_channel)" },
    ]);
  });
});
