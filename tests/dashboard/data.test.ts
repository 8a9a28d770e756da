// The dashboard's backend scripts on a real DuckDB store: home cards, batch series through the
// dashboard_sql template (windows, stale metrics, every marker kind), feedback rows and their validation.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main as overviewMain } from "../../f/anomstack/dashboard_overview.ts";
import { main as batchMain } from "../../f/anomstack/dashboard_batch.ts";
import { main as feedbackMain } from "../../f/anomstack/dashboard_feedback.ts";
import { loadBatchView } from "../../f/anomstack/dashboard/batch.ts";
import { loadOverview } from "../../f/anomstack/dashboard/overview.ts";
import { storeFeedback } from "../../f/anomstack/dashboard/feedback.ts";
import { dashboardSql, gatherColumns, llmExplanation, queryDashboardColumns, type DashboardRow } from "../../f/anomstack/dashboard/metric-series.ts";
import { loadBatch } from "../../f/anomstack/config/index.ts";
import { closeAllDuckdbInstances, openDuckdbStore } from "../../f/anomstack/store/duckdb/store.ts";
import { parseWindow } from "../../f/anomstack/dashboard/window.ts";
import { REPO_DIR } from "../helpers/workspace.ts";
import { EXPLANATION, NOW, ORDERS_SCORES, at, feedbackRows, makeFixture, type Fixture } from "./fixture.ts";

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture();
});
afterAll(async () => {
  await closeAllDuckdbInstances();
});

const ms = (k: number) => at(k).getTime();

describe("window", () => {
  const now = new Date(NOW);
  it("parses points and time spans", () => {
    expect(parseWindow("90n", now)).toEqual({ spec: "90n", lastN: 90 });
    expect(parseWindow("", now)).toEqual({ spec: "90n", lastN: 90 });
    expect(parseWindow(undefined, now)).toEqual({ spec: "90n", lastN: 90 });
    expect(parseWindow(" 25 ", now)).toEqual({ spec: "25n", lastN: 25 });
    expect(parseWindow("500N", now)).toEqual({ spec: "500n", lastN: 500 });
    expect(parseWindow("45m", now)).toEqual({ spec: "45m", cutoff: new Date("2024-01-01T09:15:00Z") });
    expect(parseWindow("24h", now)).toEqual({ spec: "24h", cutoff: new Date("2023-12-31T10:00:00Z") });
    expect(parseWindow("7d", now)).toEqual({ spec: "7d", cutoff: new Date("2023-12-25T10:00:00Z") });
  });

  it("rejects anything else, naming the field", () => {
    expect(() => parseWindow("7x", now)).toThrow(
      'window: "7x" is not a window; use <N>n for the newest N points of each metric (e.g. 90n), or <N>m, <N>h, <N>d for the last minutes, hours or days (45m, 24h, 7d)',
    );
    expect(() => parseWindow("0n", now)).toThrow('window: "0n" is empty');
    expect(() => parseWindow("100001n", now)).toThrow('window: "100001n" asks for more than 100000 points per metric');
    expect(() => parseWindow("3651d", now)).toThrow('window: "3651d" is longer than 3650 days');
    expect(() => parseWindow(90, now)).toThrow('window: expected a string such as "90n", got number');
    expect(() => parseWindow("1; drop table metrics", now)).toThrow(/^window: "1; drop table metrics" is not a window/);
  });
});

describe("dashboard_overview", () => {
  it("has one card per shown batch, highest anomaly rate first, with exact numbers", async () => {
    const o = await loadOverview({ now: NOW, env: f.env });
    expect(o.window).toBe("90n");
    expect(o.now).toBe("2024-01-01T10:00:00.000Z");
    expect(o.store).toBe(f.duckdbPath);
    expect(o.hidden).toEqual(["hidden"]);
    expect(o.empty).toBe(false);
    expect(o.batches.map((b) => b.batch)).toEqual(["shop", "empty_batch", "ops"]);
    const [shop, empty, ops] = o.batches;
    const scoreSum = ORDERS_SCORES.reduce((a, b) => a + b, 0) + 10 * 0.5;
    expect(shop).toEqual({
      batch: "shop",
      metrics: 2, // "legacy" stopped 10 days ago: left out
      points: 20,
      anomalyRate: 2 / 20, // orders: an anomaly alert and an LLM alert
      avgScore: expect.closeTo(scoreSum / 18, 12),
      alerts: { anomaly: 1, change: 1, tholdalert: 1, llmalert: 1, total: 4 },
      latest: "2024-01-01T10:00:00.000Z",
      stale: false,
    });
    expect(ops).toEqual({
      batch: "ops",
      metrics: 1,
      points: 3,
      anomalyRate: 0,
      avgScore: 0,
      alerts: { anomaly: 0, change: 0, tholdalert: 0, llmalert: 0, total: 0 },
      latest: "2024-01-01T09:00:00.000Z",
      stale: true, // no point for more than three 10-minute ingest periods
    });
    expect(empty).toMatchObject({ batch: "empty_batch", metrics: 0, points: 0, latest: null, stale: false });
  });

  it("runs as the Windmill script, with the settings resource's env", async () => {
    const o = await overviewMain("3n", NOW, { env: f.env });
    expect(o.window).toBe("3n");
    expect(o.batches[0]).toMatchObject({ batch: "shop", points: 6, anomalyRate: 1 / 6 });
  });

  it("says the store is empty when nothing is stored yet, without creating the DuckDB file", async () => {
    const e = await makeFixture({ empty: true });
    const o = await loadOverview({ now: NOW, env: e.env });
    expect(o.empty).toBe(true);
    expect(o.batches.map((b) => [b.batch, b.metrics, b.latest])).toEqual([
      ["empty_batch", 0, null],
      ["ops", 0, null],
      ["shop", 0, null],
    ]);
    expect(fs.existsSync(e.duckdbPath)).toBe(false);
  });
});

describe("dashboard_batch", () => {
  it("returns each metric's series with every marker, the LLM explanation and the feedback", async () => {
    const v = await loadBatchView("shop", { now: NOW, env: f.env });
    expect(v).toMatchObject({ batch: "shop", window: "90n", now: "2024-01-01T10:00:00.000Z", latest: "2024-01-01T10:00:00.000Z", stale: false });
    expect(v.batches).toEqual(["empty_batch", "ops", "shop"]);
    expect(v.metrics.map((m) => m.name)).toEqual(["orders", "revenue"]);
    const [orders, revenue] = v.metrics;
    expect(orders).toEqual({
      name: "orders",
      t: Array.from({ length: 10 }, (_, k) => ms(k)),
      value: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      score: [...ORDERS_SCORES, null, null],
      alert: [6],
      change: [3],
      tholdalert: [8],
      llmalert: [7],
      explanations: { 7: EXPLANATION },
      feedback: { 6: "thumbsdown" },
      stats: {
        points: 10,
        anomalyRate: 0.2,
        avgScore: expect.closeTo(ORDERS_SCORES.reduce((a, b) => a + b, 0) / 8, 12),
        alerts: { anomaly: 1, change: 1, tholdalert: 1, llmalert: 1 },
        thumbsup: 0,
        thumbsdown: 1,
        latest: "2024-01-01T10:00:00.000Z",
      },
    });
    expect(revenue.stats).toMatchObject({ points: 10, anomalyRate: 0, avgScore: 0.5 });
    expect(revenue.alert).toEqual([]);
  });

  it("limits to the newest N points or to a time span", async () => {
    const last3 = await batchMain("shop", "3n", NOW, { env: f.env });
    const o3 = last3.metrics.find((m) => m.name === "orders")!;
    expect(o3.t).toEqual([ms(7), ms(8), ms(9)]);
    expect([o3.alert, o3.llmalert, o3.tholdalert, o3.explanations]).toEqual([[], [0], [1], { 0: EXPLANATION }]);
    const span = await batchMain("shop", "45m", NOW, { env: f.env });
    expect(span.window).toBe("45m");
    expect(span.metrics.find((m) => m.name === "orders")!.t).toEqual([ms(5), ms(6), ms(7), ms(8), ms(9)]);
    const day = await batchMain("shop", "1d", NOW, { env: f.env });
    expect(day.metrics.map((m) => [m.name, m.t.length])).toEqual([
      ["orders", 10],
      ["revenue", 10],
    ]);
    // `now` moves the window: an hour earlier, only the points up to 09:00 (k = 0..3)
    const earlier = await batchMain("shop", "90n", "2024-01-01T09:00:00Z", { env: f.env });
    expect(earlier.metrics.find((m) => m.name === "orders")!.value).toEqual([1, 2, 3, 4]);
  });

  it("a time window holds every point in it, not only the newest 90", async () => {
    const big = await makeFixture({ now: NOW, extra: [{ name: "busy", metrics: 2, points: 1000, everyMs: 600_000, prefixes: ["cpu"] }] });
    const week = await batchMain("busy", "7d", NOW, { env: big.env });
    expect(week.metrics.map((m) => m.t.length)).toEqual([1000, 1000]);
    expect((await batchMain("busy", "24h", NOW, { env: big.env })).metrics.map((m) => m.t.length)).toEqual([145, 145]); // both ends included
    expect((await batchMain("busy", "", NOW, { env: big.env })).metrics.map((m) => m.t.length)).toEqual([90, 90]);
  });

  it("rejects an unknown or hidden batch and a bad window, naming the field", async () => {
    await expect(loadBatchView("nope", { now: NOW, env: f.env })).rejects.toThrow(
      'batch: unknown batch "nope"; the dashboard shows "empty_batch", "ops", "shop"',
    );
    await expect(loadBatchView("hidden", { now: NOW, env: f.env })).rejects.toThrow('batch: unknown batch "hidden"');
    await expect(loadBatchView("shop", { now: NOW, window: "soon", env: f.env })).rejects.toThrow('window: "soon" is not a window');
    await expect(loadBatchView("shop", { now: "yesterday", env: f.env })).rejects.toThrow('now: "yesterday" is not an ISO timestamp');
  });

  it("reads the LLM explanation from the metadata JSON", () => {
    expect(llmExplanation(JSON.stringify({ anomaly_explanation: "why" }))).toBe("why");
    expect(llmExplanation("")).toBe("");
    expect(llmExplanation('{"other": 1}')).toBe("");
    expect(llmExplanation("plain text")).toBe("plain text");
  });
});

describe("dashboard columns on other databases", () => {
  it("gathers the template's plain rows into the same columns as DuckDB's lists (the path of PostgreSQL and the others)", async () => {
    const cfg = loadBatch("shop", { metricsDir: f.metricsDir, env: f.env });
    const store = await openDuckdbStore({ path: f.duckdbPath, tableKey: cfg.table_key });
    try {
      for (const window of [
        { spec: "90n", lastN: 90 },
        { spec: "45m", cutoff: new Date("2024-01-01T09:15:00Z") },
      ]) {
        const fromLists = await queryDashboardColumns(store, cfg, window, new Date(NOW));
        const rows = await store.query<DashboardRow>(dashboardSql(cfg, window, new Date(NOW)));
        expect(fromLists.length).toBeGreaterThan(0);
        expect(gatherColumns(rows)).toEqual(fromLists);
      }
    } finally {
      await store.close();
    }
  });
});

describe("dashboard_feedback", () => {
  it("stores a thumbs up at the point's exact timestamp, replacing the thumbs down given before", async () => {
    expect(await feedbackRows(f, "shop", "orders")).toEqual([
      { metric_timestamp: "2024-01-01T09:30:00.000Z", metric_type: "thumbsdown", metric_value: 1, metadata: "" },
    ]);
    const r = await feedbackMain("shop", "orders", "2024-01-01T09:30:00Z", "thumbsup", { env: f.env });
    expect(r).toEqual({
      stored: { metric_timestamp: "2024-01-01T09:30:00.000Z", metric_batch: "shop", metric_name: "orders", metric_type: "thumbsup", metric_value: 1 },
      replaced: 1,
    });
    expect(await feedbackRows(f, "shop", "orders")).toEqual([
      { metric_timestamp: "2024-01-01T09:30:00.000Z", metric_type: "thumbsup", metric_value: 1, metadata: "" },
    ]);
    // again: idempotent, nothing replaced, still one row
    expect(
      (await storeFeedback({ batch: "shop", metric: "orders", timestamp: "2024-01-01 09:30:00", kind: "thumbsup" }, { env: f.env })).replaced,
    ).toBe(0);
    expect(await feedbackRows(f, "shop", "orders")).toHaveLength(1);
    const v = await loadBatchView("shop", { now: NOW, env: f.env });
    expect(v.metrics[0].feedback).toEqual({ 6: "thumbsup" });
    expect(v.metrics[0].stats).toMatchObject({ thumbsup: 1, thumbsdown: 0 });
  });

  it("rejects bad input with a message naming the field, and stores nothing", async () => {
    const ok = { batch: "shop", metric: "revenue", timestamp: "2024-01-01T09:00:00Z", kind: "thumbsdown" };
    const bad: [Record<string, unknown>, string][] = [
      [{ batch: "nope" }, 'batch: unknown batch "nope"; the dashboard shows "empty_batch", "ops", "shop"'],
      [{ batch: 42 }, "batch: expected the name of a metric batch"],
      [{ metric: "nope" }, 'metric: batch "shop" has no metric "nope"'],
      [{ metric: "" }, "metric: expected a metric name"],
      [{ timestamp: "yesterday" }, 'timestamp: "yesterday" is not an ISO-8601 timestamp such as 2024-01-01T00:00:00Z'],
      [{ timestamp: 1704099600000 }, "timestamp: expected an ISO-8601 timestamp such as 2024-01-01T00:00:00Z"],
      [{ timestamp: "2024-01-01T09:01:00Z" }, 'timestamp: metric "revenue" of batch "shop" has no point at 2024-01-01T09:01:00.000Z'],
      [{ kind: "meh" }, 'kind: expected "thumbsup" or "thumbsdown", got "meh"'],
      [{ kind: undefined }, 'kind: expected "thumbsup" or "thumbsdown", got nothing'],
      [{ kind: "metric" }, 'kind: expected "thumbsup" or "thumbsdown", got "metric"'],
    ];
    for (const [change, message] of bad) {
      await expect(storeFeedback({ ...ok, ...change }, { env: f.env }), message).rejects.toThrow(message);
    }
    expect(await feedbackRows(f, "shop", "revenue")).toEqual([]);
  });
});

describe("under Bun (Windmill's TypeScript runtime)", () => {
  it("runs the three dashboard scripts", async () => {
    const g = await makeFixture();
    const imp = (rel: string) => JSON.stringify(path.join(REPO_DIR, rel));
    const script = path.join(g.dir, "dashboard.ts");
    fs.writeFileSync(
      script,
      `import { main as overview } from ${imp("f/anomstack/dashboard_overview.ts")};
       import { main as batch } from ${imp("f/anomstack/dashboard_batch.ts")};
       import { main as feedback } from ${imp("f/anomstack/dashboard_feedback.ts")};
       const settings = { env: ${JSON.stringify(g.env)} };
       const o = await overview("90n", ${JSON.stringify(NOW)}, settings);
       const b = await batch("shop", "3n", ${JSON.stringify(NOW)}, settings);
       const f = await feedback("shop", "orders", ${JSON.stringify(at(9).toISOString())}, "thumbsup", settings);
       let bad = "";
       try { await feedback("shop", "orders", "later", "thumbsup", settings); } catch (e) { bad = e.message; }
       console.log(JSON.stringify({ runtime: typeof Bun === "undefined" ? "node" : "bun", cards: o.batches.map((c) => c.batch), points: b.metrics.map((m) => m.t.length), stored: f.stored.metric_timestamp, bad }));`,
    );
    const r = spawnSync(path.join(REPO_DIR, "node_modules/.bin/bun"), [script], { cwd: REPO_DIR, encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1)!)).toEqual({
      runtime: "bun",
      cards: ["shop", "empty_batch", "ops"],
      points: [3, 3],
      stored: "2024-01-01T10:00:00.000Z",
      bad: 'timestamp: "later" is not an ISO-8601 timestamp such as 2024-01-01T00:00:00Z',
    });
  });
});
