// The LLM-alert job against a local stand-in of Anthropic's Messages API, on a real DuckDB file:
// confirmed anomalies among the newest points are saved with their explanation and delivered once;
// a metric whose answers stay malformed is skipped with a warning and the others are kept.
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AlertChannel, Notice } from "../../f/anomstack/alerts/channel.ts";
import { llmalertJob } from "../../f/anomstack/jobs/llmalert.ts";
import { closeJobContext } from "../../f/anomstack/jobs/job-context.ts";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { startStandIn, toolReply, type StandIn } from "../alerts/helpers/http-standin.ts";
import { makeWorkspace, noise, seriesRows, storedRows, type Workspace } from "../helpers/workspace.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const STEP = 300_000;
const KEY = "sk-ant-api03-job-test-key";
const at = (stepsBack: number) => new Date(NOW.getTime() - stepsBack * STEP).toISOString().slice(0, 19).replace("T", " ");

let ws: Workspace;
let api: StandIn;
beforeEach(async () => {
  ws = makeWorkspace();
  api = await startStandIn();
});
afterEach(async () => {
  await api.close();
});
afterAll(async () => {
  await closeAllDuckdbInstances();
});

/** Claude's stand-in: for orders, three anomalies (two recent, one old) detected and confirmed; visits' answers are never valid. */
function answer() {
  api.handlers.set("/v1/messages", (r) => {
    const text: string = r.json.messages[0].content.at(-1).text;
    if (text.startsWith("Metric: visits"))
      return { body: { ...(toolReply([]).body as object), content: [{ type: "text", text: "Looks fine to me." }], stop_reason: "end_turn" } };
    return toolReply([
      { timestamp: at(0), value: 30, explanation: "A spike to three times the usual level." },
      { timestamp: at(1), value: 25, explanation: "The rise starts here." },
      { timestamp: at(20), value: 10.5, explanation: "An old blip." },
    ]);
  });
}

async function setup() {
  ws.writeBatch("shop", "ingest_sql: select 1\ndisable_llmalert: false\nalert_methods: email\nmetric_tags:\n  orders: {priority: high}\n");
  const sent: Notice[] = [];
  const email: AlertChannel = { name: "email", defaultDestination: "ops@example.com", send: async (n) => void sent.push(n) };
  const ctx = await ws.open("shop", NOW, { channels: [email] });
  ctx.llm = { apiKey: KEY, baseUrl: api.url, timeoutMs: 2000, maxAttempts: 2, retryMinMs: 5 };
  const quiet = noise(40).map((x) => 10 + x);
  await ctx.store.append([
    ...seriesRows("shop", "orders", [...quiet.slice(0, 38), 25, 30], NOW, STEP),
    ...seriesRows("shop", "visits", quiet, NOW, STEP),
  ]);
  return { ctx, sent };
}

describe("llmalert job", () => {
  it("saves and sends the confirmed recent anomalies with their explanation; skips a failing metric", async () => {
    answer();
    const { ctx, sent } = await setup();
    const r = await llmalertJob(ctx);
    expect(r).toMatchObject({
      job: "llmalert",
      model: "claude-sonnet-5-5",
      checked: 2,
      alerts: [{ metric: "orders", timestamp: NOW.toISOString(), anomalies: 2 }],
      skipped: [
        {
          metric: "visits",
          error: 'detect: failed after 2 attempt(s): no report_anomalies call in the answer (stop_reason end_turn, text "Looks fine to me.")',
        },
      ],
      saved: 2,
      delivery: { sent: 1, pending: 0, failed: [] },
    });
    // orders: detect + verify; visits: two malformed detect answers
    expect(api.requests).toHaveLength(4);
    expect(api.requests[0].json.messages[0].content[0]).toMatchObject({ type: "image", source: { type: "base64", media_type: "image/png" } });
    expect(ctx.logLines.filter((l) => l.level === "warn").map((l) => l.msg)).toEqual([
      'shop visits: LLM alert skipped: detect: failed after 2 attempt(s): no report_anomalies call in the answer (stop_reason end_turn, text "Looks fine to me.")',
    ]);
    const rows = await storedRows(ctx, "llmalert");
    expect(rows.map((x) => [x.metric_name, x.metric_timestamp.toISOString(), JSON.parse(x.metadata).anomaly_explanation])).toEqual([
      ["orders", new Date(NOW.getTime() - STEP).toISOString(), "The rise starts here."],
      ["orders", NOW.toISOString(), "A spike to three times the usual level."],
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0].title).toBe("🤖 LLM says [orders] looks anomalous (2026-03-01 12:00) 🤖");
    expect(sent[0].notes).toEqual([
      {
        heading: "Why Claude flagged it",
        lines: ["2026-03-01 12:00 (value 30): A spike to three times the usual level.", "2026-03-01 11:55 (value 25): The rise starts here."],
      },
    ]);
    // docs/differences.md #8: the original left metric_tags out of LLM alerts
    expect(sent[0].tags).toEqual([["priority", "high"]]);
    expect(sent[0].image).toBeDefined();
    expect(sent[0].alert?.series.slice(-2).map((p) => p.marks)).toEqual([["llm"], ["llm"]]);

    // the next run gets the same answers: those points already have an LLM alert, nothing new is sent
    api.requests.length = 0;
    const again = await llmalertJob(ctx);
    expect(again).toMatchObject({ alerts: [], saved: 0, delivery: { sent: 0, pending: 0, failed: [] } });
    expect(sent).toHaveLength(1);
    expect(await storedRows(ctx, "llmalert")).toHaveLength(2);
    await closeJobContext(ctx);
  });

  it("needs an Anthropic key, and says where to set it", async () => {
    const { ctx } = await setup();
    ctx.llm = undefined;
    await expect(llmalertJob(ctx)).rejects.toThrow(
      "shop llmalert: no Anthropic API key: set ANOMSTACK_ANTHROPIC_API_KEY (or ANTHROPIC_API_KEY), or the anthropic field of the Windmill settings resource",
    );
    await closeJobContext(ctx);
  });
});
