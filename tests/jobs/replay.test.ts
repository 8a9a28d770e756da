// Replay: scores are causal (later data never changes an earlier score), history alerts are stored, and
// re-running is idempotent.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb-store.ts";
import { replayJob, replayScores } from "../../f/anomstack/jobs/replay.ts";
import { closeJobContext } from "../../f/anomstack/runtime/context.ts";
import { makeWorkspace, noise, seriesRows, storedRows, type Workspace } from "../helpers/workspace.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const STEP = 300_000;
let ws: Workspace;

beforeEach(() => {
  ws = makeWorkspace();
  ws.writeBatch("r", "ingest_sql: select 1\nalert_smooth_n: 0\n");
});
afterAll(async () => {
  await closeAllDuckdbInstances();
});

describe("replayScores", () => {
  it("scores from point train_min_n on, and a point's score ignores every later point", () => {
    const cfg = ws.load("r");
    const values = noise(300).map((x) => 10 + x);
    const ts = values.map((_, i) => i * STEP);
    const full = replayScores(cfg, ts, values, 20);
    const prefix = replayScores(cfg, ts.slice(0, 200), values.slice(0, 200), 20);
    // train_min_n = 14: points 0..13 have no model yet
    expect(full.slice(0, 14).every(Number.isNaN)).toBe(true);
    expect(full.slice(14).every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(full.slice(0, 200)).toEqual(prefix);
  });

  it("retrains every N points: scores depend on the cadence", () => {
    const cfg = ws.load("r");
    const values = noise(120).map((x) => 10 + x);
    const ts = values.map((_, i) => i * STEP);
    const every10 = replayScores(cfg, ts, values, 10);
    const every1000 = replayScores(cfg, ts, values, 1000);
    // identical up to the first retrain (point 24), different after
    expect(every10.slice(0, 24)).toEqual(every1000.slice(0, 24));
    expect(every10.slice(24)).not.toEqual(every1000.slice(24));
  });
});

describe("replayJob", () => {
  it("stores history scores and alerts once, without delivering them, and saves the latest models", async () => {
    const ctx = await ws.open("r", NOW);
    const values = noise(200).map((x) => 10 + x);
    values[150] = 40; // a spike
    await ctx.store.append(seriesRows("r", "m", values, NOW, STEP));
    const r = await replayJob(ctx, { retrainEvery: 25 });
    expect(r).toMatchObject({ job: "replay", batch: "r", metrics: 1, scored: 186, failed: [] });
    const alerts = await storedRows(ctx, "alert");
    const spikeTime = NOW.getTime() - (199 - 150) * STEP;
    expect(alerts.map((a) => a.metric_timestamp.getTime())).toContain(spikeTime);
    expect(r.alerts).toBe(alerts.length);
    expect(ctx.sent).toEqual([]);
    expect(fs.existsSync(path.join(ws.modelsDir, "r", "m_pca_default.json"))).toBe(true);
    const again = await replayJob(ctx, { retrainEvery: 25 });
    expect(again).toMatchObject({ scored: 0, alerts: 0, changes: 0 });
    expect(await storedRows(ctx, "score")).toHaveLength(186);
    await closeJobContext(ctx);
  });

  it("--rescore replaces the stored scores and flags instead of keeping them", async () => {
    const ctx = await ws.open("r", NOW);
    await ctx.store.append(seriesRows("r", "m", noise(60).map((x) => 10 + x), NOW, STEP));
    await ctx.store.append([{ ...seriesRows("r", "m", [0.5], NOW)[0], metric_type: "score" }]);
    const kept = await replayJob(ctx, {});
    expect(kept.scored).toBe(45); // 46 scorable points (14..59), one already scored
    const redone = await replayJob(ctx, { rescore: true });
    expect(redone.scored).toBe(46);
    const scores = await storedRows(ctx, "score");
    expect(scores).toHaveLength(46);
    expect(scores.at(-1)?.metric_value).not.toBe(0.5);
    await closeJobContext(ctx);
  });
});
