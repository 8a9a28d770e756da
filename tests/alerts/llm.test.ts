// LLM detection with the real @anthropic-ai/sdk against a local stand-in of the Messages API: the exact
// requests of the detect and verify steps (structured output through a forced tool), retries of
// rate limits, overload, timeouts and malformed answers, and the errors that are not retried.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LlmSettings } from "../../f/anomstack/alerts/channel-settings.ts";
import { createClaudeClient, LlmError, parseAnswer } from "../../f/anomstack/llm/client.ts";
import { detectAndVerify, parseReportedTimestamp, preparePrompt, promptNote } from "../../f/anomstack/llm/detect.ts";
import { DEFAULT_DETECTION_PROMPT, DEFAULT_VERIFICATION_PROMPT, REPORT_TOOL } from "../../f/anomstack/llm/prompts.ts";
import { startStandIn, toolReply, type StandIn } from "./helpers/http-standin.ts";

const KEY = "sk-ant-api03-test-key-0123456789";
const T0 = Date.UTC(2026, 2, 1, 11, 45);
const POINTS = [10, 11, 10, 30].map((value, i) => ({ timestamp: T0 + i * 300_000, value }));
const PROMPT = preparePrompt(POINTS, { smooth_n: 0, rounding: -1, max_n: 1000 });
const TABLE = "metric_timestamp,metric_value\n2026-03-01 11:45:00,10\n2026-03-01 11:50:00,11\n2026-03-01 11:55:00,10\n2026-03-01 12:00:00,30";
const SPIKE = { timestamp: "2026-03-01 12:00:00", value: 30, explanation: "Three times the usual level." };

let api: StandIn;
beforeEach(async () => {
  api = await startStandIn();
});
afterEach(async () => {
  await api.close();
});

function client(extra: Partial<LlmSettings> = {}) {
  return createClaudeClient({ apiKey: KEY, baseUrl: api.url, timeoutMs: 2000, maxAttempts: 3, retryMinMs: 5, ...extra }, "claude-sonnet-5-5");
}

function ask() {
  return detectAndVerify(client(), { metric: "orders", batch: "shop", points: PROMPT, note: "", image: new Uint8Array([137, 80, 78, 71]) });
}

describe("detect and verify with Claude", () => {
  it("sends the series (and the plot) to a detect step, then the candidates to a verify step", async () => {
    api.handlers.set("/v1/messages", (_r, n) =>
      n === 1 ? toolReply([SPIKE, { timestamp: "2026-03-01 11:50:00", value: 11, explanation: "Slightly high." }]) : toolReply([SPIKE]),
    );
    const r = await ask();
    expect(r).toEqual({ detected: 2, confirmed: [{ timestamp: T0 + 900_000, value: 30, explanation: "Three times the usual level." }], ignored: [] });
    expect(api.requests).toHaveLength(2);
    for (const req of api.requests) {
      expect(req.path).toBe("/v1/messages");
      expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(req.headers["anthropic-version"]).toMatch(/^\d{4}-\d\d-\d\d$/);
    }
    const image = { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw==" } };
    const detectText = `Metric: orders (batch shop)\n4 points, oldest first, timestamps in UTC. The attached image plots the same values (top) and the ML anomaly score (bottom).\n\n${TABLE}`;
    expect(api.requests[0].json).toEqual({
      model: "claude-sonnet-5-5",
      max_tokens: 4096,
      system: DEFAULT_DETECTION_PROMPT,
      tools: [REPORT_TOOL],
      tool_choice: { type: "tool", name: "report_anomalies" },
      messages: [{ role: "user", content: [image, { type: "text", text: detectText }] }],
    });
    expect(api.requests[1].json.system).toBe(DEFAULT_VERIFICATION_PROMPT);
    expect(api.requests[1].json.messages[0].content[1].text).toBe(
      `${detectText}\n\nCandidate anomalies from the detection step (JSON):\n${JSON.stringify(
        [
          { timestamp: "2026-03-01 12:00:00", value: 30, explanation: "Three times the usual level." },
          { timestamp: "2026-03-01 11:50:00", value: 11, explanation: "Slightly high." },
        ],
        null,
        1,
      )}`,
    );
  });

  it("asks only once when nothing is detected, and ignores points that are not in the series", async () => {
    api.handlers.set("/v1/messages", () => toolReply([{ timestamp: "2026-03-02 00:00:00", value: 1, explanation: "made up" }]));
    expect(await ask()).toEqual({ detected: 0, confirmed: [], ignored: ["2026-03-02 00:00:00 is not a point of the series"] });
    expect(api.requests).toHaveLength(1);
  });

  it("retries a rate limit after Retry-After, an overload, a timeout and a malformed answer", async () => {
    const replies = [
      { status: 429, headers: { "retry-after-ms": "5" }, body: { type: "error", error: { type: "rate_limit_error", message: "slow down" } } },
      { status: 529, body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } },
      toolReply([SPIKE]),
      { ...toolReply([SPIKE]), delayMs: 400 },
      { body: { ...(toolReply([]).body as object), content: [{ type: "text", text: "I think 12:00 is odd." }], stop_reason: "end_turn" } },
      toolReply([SPIKE]),
    ];
    api.handlers.set("/v1/messages", (_r, n) => replies[n - 1]);
    const c = createClaudeClient({ apiKey: KEY, baseUrl: api.url, timeoutMs: 200, maxAttempts: 3, retryMinMs: 5 }, "claude-sonnet-5-5");
    // detect: 429, then 529, then the answer; verify: timeout, then malformed, then the answer
    const r = await detectAndVerify(c, { metric: "orders", batch: "shop", points: PROMPT, note: "" });
    expect(r.confirmed.map((a) => a.value)).toEqual([30]);
    expect(api.requests).toHaveLength(6);
    expect(api.requests.map((q) => q.headers["x-stainless-retry-count"])).toEqual(["0", "0", "0", "0", "0", "0"]);
  });

  it("gives up after maxAttempts malformed answers, saying why", async () => {
    api.handlers.set("/v1/messages", () => ({
      body: {
        ...(toolReply([]).body as object),
        content: [{ type: "tool_use", id: "t", name: "report_anomalies", input: { anomalies: [{ timestamp: 5 }] } }],
      },
    }));
    await expect(ask()).rejects.toThrow(
      new LlmError(
        "detect: failed after 3 attempt(s): malformed report_anomalies input: anomalies.0.timestamp: Invalid input: expected string, received number",
      ),
    );
    expect(api.requests).toHaveLength(3);
  });

  it("does not retry a refused key or an unknown model, and never shows the key", async () => {
    api.handlers.set("/v1/messages", () => ({
      status: 401,
      body: { type: "error", error: { type: "authentication_error", message: `invalid x-api-key ${KEY}` } },
    }));
    const err = (await ask().catch((e) => e)) as Error;
    expect(err.message).toBe("detect: the Anthropic API key was refused (401 authentication_error: invalid x-api-key ***)");
    expect(api.requests).toHaveLength(1);
    api.handlers.set("/v1/messages", () => ({
      status: 404,
      body: { type: "error", error: { type: "not_found_error", message: "model: claude-nope" } },
    }));
    await expect(ask()).rejects.toThrow("detect: not found (404 not_found_error: model: claude-nope); is llmalert_model a valid model name?");
  });
});

describe("prompt preparation", () => {
  it("applies the rolling mean, the rounding and the newest-N limit", () => {
    const pts = [1, 2, 4, 8].map((value, i) => ({ timestamp: i * 60_000, value }));
    expect(preparePrompt(pts, { smooth_n: 2, rounding: 1, max_n: 2 })).toEqual([
      { ts: "1970-01-01 00:02:00", timestamp: 120_000, value: 3 },
      { ts: "1970-01-01 00:03:00", timestamp: 180_000, value: 6 },
    ]);
    expect(promptNote({ smooth_n: 2, rounding: 1, max_n: 2 })).toBe("values are a rolling mean of 2 points, rounded to 1 decimal(s)");
  });

  it("reads the timestamps the model writes back in the usual spellings", () => {
    const t = Date.UTC(2026, 2, 1, 12, 0);
    expect(["2026-03-01 12:00:00", "2026-03-01T12:00:00Z", "2026-03-01 12:00", "2026-03-01 12:00:00 UTC"].map(parseReportedTimestamp)).toEqual([
      t,
      t,
      t,
      t,
    ]);
    expect(parseReportedTimestamp("yesterday")).toBeNaN();
  });

  it("accepts numeric strings as values and rejects answers without the tool call", () => {
    expect(
      parseAnswer({
        content: [{ type: "tool_use", name: "report_anomalies", input: { anomalies: [{ timestamp: " x ", value: "1.5", explanation: " y " }] } }],
      }),
    ).toEqual([{ timestamp: "x", value: 1.5, explanation: "y" }]);
    expect(() => parseAnswer({ content: [{ type: "text", text: "no" }], stop_reason: "end_turn" })).toThrow(
      'no report_anomalies call in the answer (stop_reason end_turn, text "no")',
    );
  });
});
