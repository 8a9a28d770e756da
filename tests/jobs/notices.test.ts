// The plot job (PNGs as a Windmill rich result) and the daily summary over every batch and table.
import { spawn } from "node:child_process";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { AlertChannel, Notice } from "../../f/anomstack/alerts/channel.ts";
import { main as plotStage } from "../../f/anomstack/plot.ts";
import { plotJob, plotRichResult } from "../../f/anomstack/jobs/plot.ts";
import { rankMetrics } from "../../f/anomstack/jobs/summary.ts";
import { runSummary } from "../../f/anomstack/stages/notices.ts";
import { runStage } from "../../f/anomstack/stages/run-stage.ts";
import { memoryLogger } from "../../f/anomstack/core/log.ts";
import { closeJobContext } from "../../f/anomstack/jobs/job-context.ts";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import type { MetricRow } from "../../f/anomstack/store/metric-row.ts";
import { makeWorkspace, REPO_DIR, seriesRows, type Workspace } from "../helpers/workspace.ts";

const NOW = new Date("2026-03-02T09:00:00Z");
const STEP = 3_600_000;
let ws: Workspace;

beforeEach(() => {
  ws = makeWorkspace();
});
afterAll(async () => {
  await closeAllDuckdbInstances();
});

const typed = (rows: MetricRow[], type: MetricRow["metric_type"]) => rows.map((r) => ({ ...r, metric_type: type }));

/** shop (table metrics): orders and visits, 30 hourly points, scores, one alert and one change on orders.
 *  web (table web.metrics): latency_ms, 10 points, no scores, one threshold alert. off: summary disabled. */
async function seedTwoTables() {
  ws.writeBatch("shop", "ingest_sql: select 1\n");
  ws.writeBatch("web", "ingest_sql: select 1\ntable_key: web.metrics\n");
  ws.writeBatch("off", "ingest_sql: select 1\ndisable_summary: true\n");
  const shop = await ws.open("shop", NOW);
  const orders = seriesRows(
    "shop",
    "orders",
    Array.from({ length: 30 }, (_, i) => 10 + (i % 3)),
    NOW,
    STEP,
  );
  const visits = seriesRows(
    "shop",
    "visits",
    Array.from({ length: 30 }, (_, i) => 100 + i),
    NOW,
    STEP,
  );
  await shop.store.append([
    ...orders,
    ...visits,
    ...typed(
      seriesRows(
        "shop",
        "orders",
        Array.from({ length: 30 }, (_, i) => (i === 29 ? 0.9 : 0.2)),
        NOW,
        STEP,
      ),
      "score",
    ),
    ...typed(
      seriesRows(
        "shop",
        "visits",
        Array.from({ length: 30 }, () => 0.4),
        NOW,
        STEP,
      ),
      "score",
    ),
    ...typed(seriesRows("shop", "orders", [1], NOW, STEP), "alert"),
    ...typed(seriesRows("shop", "orders", [1], new Date(NOW.getTime() - STEP), STEP), "change"),
    ...seriesRows("off", "hidden", [1, 2, 3], NOW, STEP),
  ]);
  await closeJobContext(shop);
  const web = await ws.open("web", NOW);
  await web.store.append([
    ...seriesRows(
      "web",
      "latency_ms",
      Array.from({ length: 10 }, (_, i) => 100 + i * 10),
      NOW,
      STEP,
    ),
    ...typed(seriesRows("web", "latency_ms", [1], NOW, STEP), "tholdalert"),
  ]);
  await closeJobContext(web);
}

describe("plot job", () => {
  it("draws one PNG per metric and returns them as a rich result for the run page", async () => {
    await seedTwoTables();
    const ctx = await ws.open("shop", NOW);
    const r = await plotJob(ctx);
    expect(r.plots.map((p) => [p.metric, p.points, p.alerts])).toEqual([
      ["orders", 30, 2],
      ["visits", 30, 0],
    ]);
    expect(r.plots.every((p) => Buffer.from(p.png_base64, "base64").subarray(1, 4).toString() === "PNG")).toBe(true);
    expect(plotRichResult(r)).toEqual({
      render_all: [{ markdown: "### shop: 2 plot(s)" }, { png: r.plots[0].png_base64 }, { png: r.plots[1].png_base64 }],
    });
    await closeJobContext(ctx);
  });

  it("the stage script returns the rich result itself", async () => {
    await seedTwoTables();
    const out = (await plotStage("web", NOW.toISOString(), { env: ws.env })) as { render_all: object[] };
    expect(Object.keys(out)).toEqual(["render_all"]);
    expect(out.render_all[0]).toEqual({ markdown: "### web: 1 plot(s)" });
    expect(Object.keys(out.render_all[1])).toEqual(["png"]);
  });
});

describe("daily summary", () => {
  it("covers every batch and table (not only the first batch's), and sends one notice", async () => {
    await seedTwoTables();
    const sent: { notice: Notice; to: string }[] = [];
    const email: AlertChannel = { name: "email", defaultDestination: "ops@example.com", send: async (notice, to) => void sent.push({ notice, to }) };
    const r = await runSummary({ now: NOW, env: ws.env, channels: [email], log: memoryLogger() });
    // the last day, both ends included: 25 hourly points per metric
    expect(r.batches).toEqual([
      { batch: "shop", table: "metrics", metrics: 2, points: 50, scores: 50, alerts: 1, changes: 1, tholdalerts: 0, llmalerts: 0 },
      { batch: "web", table: "web.metrics", metrics: 1, points: 10, scores: 0, alerts: 0, changes: 0, tholdalerts: 1, llmalerts: 0 },
    ]);
    expect(r.top.map((m) => [m.batch, m.metric, m.alerts, m.maxScore, m.lastValue])).toEqual([
      ["shop", "orders", 2, 0.9, 12],
      ["web", "latency_ms", 1, null, 190],
      ["shop", "visits", 0, 0.4, 129],
    ]);
    expect(r.sent).toEqual([{ channel: "email", to: "ops@example.com" }]);
    expect(sent).toHaveLength(1);
    expect(sent[0].notice.title).toBe("📊 Anomstack daily summary (2026-03-02)");
    expect(sent[0].notice.fields[4]).toEqual({ label: "Alerts", value: "3 (1 anomaly, 1 change, 1 threshold, 0 LLM)" });
  });

  it("ranks metrics by alerts, then highest score, then mean score", () => {
    const m = (metric: string, alerts: number, maxScore: number | null, meanScore: number | null) => ({
      batch: "b",
      metric,
      alerts,
      maxScore,
      meanScore,
      lastValue: 1,
      lastTimestamp: null,
    });
    expect(
      rankMetrics([m("a", 0, 0.5, 0.1), m("b", 2, 0.1, 0.1), m("c", 0, 0.5, 0.3), m("d", 0, null, null), m("e", 2, 0.9, 0.1)], 3).map(
        (x) => x.metric,
      ),
    ).toEqual(["e", "b", "c"]);
  });
});

describe("readers open the DuckDB file read-only", () => {
  it("plot and the summary run while another process reads the file; a writing job cannot open it", async () => {
    await seedTwoTables();
    await closeAllDuckdbInstances();
    // Another process holds the file read-only (a dashboard viewer, say): a writer cannot open it, readers can.
    const script = `
      import { DuckDBInstance } from "@duckdb/node-api";
      const db = await DuckDBInstance.create(process.argv[1], { access_mode: "READ_ONLY" });
      const con = await db.connect();
      await con.run("select 1");
      console.log("ready");
      setInterval(() => void [db, con], 1000);
    `;
    const holder = spawn(process.execPath, ["--input-type=module", "-e", script, ws.duckdbPath], {
      cwd: REPO_DIR,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on("data", (d) => String(d).includes("ready") && resolve());
        holder.once("exit", (code) => reject(new Error(`holder exited with ${code}`)));
      });
      const env = { ...ws.env, ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS: "0" };
      const plot = await runStage("plot", "shop", { env, now: NOW.toISOString(), log: memoryLogger(), channels: [] });
      expect(plot).toMatchObject({ job: "plot", status: "ok" });
      const summary = await runSummary({ now: NOW, env, channels: [], log: memoryLogger() });
      expect(summary.batches.map((b) => b.batch)).toEqual(["shop", "web"]);
      await closeAllDuckdbInstances();
      await expect(runStage("alert", "shop", { env, now: NOW.toISOString(), log: memoryLogger(), channels: [] })).rejects.toThrow(
        /locked by another process/,
      );
    } finally {
      holder.kill("SIGKILL");
    }
  });
});
