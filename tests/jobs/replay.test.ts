// Replay: scores are causal (later data never changes an earlier score), history alerts are stored, and
// re-running is idempotent.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { replayJob, replayScores } from "../../f/anomstack/jobs/replay.ts";
import { closeJobContext } from "../../f/anomstack/jobs/job-context.ts";
import { trainJob } from "../../f/anomstack/jobs/train.ts";
import { scoreJob } from "../../f/anomstack/jobs/score.ts";
import { makeWorkspace, noise, seriesRows, storedRows, type Workspace } from "../helpers/workspace.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const STEP = 300_000;
let ws: Workspace;

beforeEach(() => {
  ws = makeWorkspace();
  ws.writeBatch("r", "ingest_sql: select 1\nalert_smooth_n: 0\ndetector_preset: original\n");
  ws.writeBatch("d", "ingest_sql: select 1\n");
  ws.writeBatch("rb", "ingest_sql: select 1\ndetector_preset: robust\n");
  ws.writeBatch("mm", "ingest_sql: select 1\nmodel_configs: [{model_name: RANGE, model_tag: level}]\n");
  ws.writeBatch(
    "first",
    "ingest_sql: select 1\nscore_suppress_quiet_n: 0\nmodel_configs: [{model_name: RANGE, model_tag: level}, {model_name: RANGE, model_tag: level_smooth, preprocess_params: {smooth_n: 24}}, {model_name: RANGE, model_tag: hour_of_day, model_params: {seasonal: hour_of_day}}]\n",
  );
});
afterAll(async () => {
  await closeAllDuckdbInstances();
});

describe("replayScores (original preset)", () => {
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

describe("replayScores (default detector)", () => {
  it("scores once every model has train_min_n feature rows (37 points for level_smooth), causally", () => {
    const cfg = ws.load("d");
    const values = noise(300).map((x) => 10 + x);
    const ts = values.map((_, i) => i * STEP);
    const full = replayScores(cfg, ts, values, 20);
    const prefix = replayScores(cfg, ts.slice(0, 150), values.slice(0, 150), 20);
    expect(full.slice(0, 37).every(Number.isNaN)).toBe(true);
    expect(full.slice(37).every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(full.slice(0, 150)).toEqual(prefix);
  });

  it("scores a spike high, then suppresses what follows unless it goes higher", () => {
    const cfg = ws.load("d");
    const values = noise(400).map((x) => 10 + x);
    values[250] = 14; // a spike: about 3 range widths above [10, 11)
    values[251] = 13.9; // as high again, right after: suppressed
    values[300] = 30; // further out (4 widths of the widened range [10, 14]): scores higher, so again
    const ts = values.map((_, i) => i * STEP);
    const s = replayScores(cfg, ts, values, 50);
    expect(s[250]).toBeGreaterThan(0.95);
    expect(s[251]).toBe(0);
    expect(s[300]).toBeGreaterThan(cfg.alert_threshold);
    expect(s.slice(252, 300).every((x) => x === 0)).toBe(true);
  });

  it("is the same whatever the retrain cadence when training only moves the range (RANGE + range calibration)", () => {
    // the first default's plain min-max member (the default's floors move with each retrain)
    const cfg = ws.load("mm");
    const values = noise(200, 3).map((x) => 10 + x);
    const ts = values.map((_, i) => i * STEP);
    const a = replayScores(cfg, ts, values, 1);
    const b = replayScores(cfg, ts, values, 1000);
    // between retrains the range grows with every scored point, as retraining would make it
    expect(a.filter((x) => x > 0).length).toBeGreaterThan(0);
    expect(b.slice(0, 100).map((x) => x > 0)).toEqual(a.slice(0, 100).map((x) => x > 0));
  });
});

describe("replayScores (robust preset): repeated incidents", () => {
  // 10-minute points: quiet noise, a big spike, a smaller one 60 points later, a permanent shift up,
  // then a drop back to the old level (inside the range the two levels span)
  const STEP10 = 600_000;
  const values = noise(2400, 7).map((x, i) => 10 + x + (i >= 1500 ? 5 : 0));
  values[900] = 40;
  values[960] = 13;
  values[1800] -= 3.5;
  const ts = values.map((_, i) => Date.UTC(2026, 0, 5) + i * STEP10);

  it("finds every incident, as the default does, while the first default's min-max ranges hide the later ones", () => {
    const robust = ws.load("rb");
    const r = replayScores(robust, ts, values, 50);
    for (const i of [900, 960, 1500, 1800]) expect(r[i], `point ${i}`).toBeGreaterThan(robust.alert_threshold);
    // the shift became the new normal: nothing alerts in its second half-day
    expect(Math.max(...r.slice(1600, 1790))).toBeLessThan(robust.alert_threshold);
    const def = ws.load("d");
    const d = replayScores(def, ts, values, 50);
    // the local member leaves the spike at 900 out of its range, and measures the drop from the new level
    for (const i of [900, 960, 1500, 1800]) expect(d[i], `default, point ${i}`).toBeGreaterThan(def.alert_threshold);
    expect(Math.max(...d.slice(1600, 1790))).toBeLessThan(def.alert_threshold);
    const first = replayScores(ws.load("first"), ts, values, 50);
    expect(first[900]).toBeGreaterThan(0.9);
    expect(first[960]).toBe(0); // inside the range the spike at 900 widened
    expect(first[1500]).toBe(0); // so is the shift
    expect(first[1800]).toBe(0); // inside the range both levels span
  });

  it("score_suppress_n does not hide a distinct later incident (score_suppress_quiet_n)", () => {
    const robust = ws.load("rb");
    expect(robust.score_suppress_quiet_n).toBe(6);
    const withQuiet = replayScores(robust, ts, values, 50);
    const without = replayScores({ ...robust, score_suppress_quiet_n: 0 }, ts, values, 50);
    // 60 points after a bigger spike: suppressed as a repeat unless the quiet points make it a new incident
    expect(without[960]).toBe(0);
    expect(withQuiet[960]).toBeGreaterThan(robust.alert_threshold);
  });
});

describe("live train + score equal replay", () => {
  it("the score job gives each new point the score replay gives it (range, suppression, features)", async () => {
    const values = noise(230, 5).map((x) => 10 + x);
    values[210] = 13; // above the range
    values[211] = 12.8; // lower than the previous: suppressed
    values[214] = 14; // higher: a new score
    const end = new Date(NOW.getTime() + 29 * STEP);
    const all = seriesRows("d", "m", values, end, STEP);
    const ts = all.map((r) => r.metric_timestamp.getTime());
    const cfg = ws.load("d");
    const expected = replayScores(cfg, ts, values, 1);
    // replay the first 200 points, then run train + score point by point as the pipeline would
    const ctx = await ws.open("d", new Date(ts[199]));
    await ctx.store.append(all.slice(0, 200));
    await replayJob(ctx, { retrainEvery: 1 });
    await closeJobContext(ctx);
    for (let i = 200; i < values.length; i++) {
      const at = new Date(ts[i]);
      const live = await ws.open("d", at);
      await live.store.append([all[i]]);
      await trainJob(live);
      await scoreJob(live);
      await closeJobContext(live);
    }
    const check = await ws.open("d", end);
    const stored = await storedRows(check, "score");
    await closeJobContext(check);
    const byTime = new Map(stored.map((r) => [r.metric_timestamp.getTime(), r.metric_value]));
    const got = ts.map((t) => byTime.get(t) ?? Number.NaN);
    expect(got.slice(200)).toEqual(expected.slice(200));
    expect(got.slice(200).filter((x) => x > 0).length).toBeGreaterThanOrEqual(2);
    expect(got[211]).toBe(0);
  });
});

describe("live train + score equal replay (robust preset)", () => {
  it("the score job gives each new point the score replay gives it, the new-incident test included", async () => {
    const values = noise(300, 9).map((x) => 10 + x);
    values[250] = 14; // a spike
    values[262] = 12; // lower, after six quiet points: a new incident, not a repeat
    values[266] = 11.9; // lower again, four points later: a repeat
    const end = new Date(NOW.getTime() + 59 * STEP);
    const all = seriesRows("rb", "m", values, end, STEP);
    const ts = all.map((r) => r.metric_timestamp.getTime());
    const expected = replayScores(ws.load("rb"), ts, values, 1);
    const ctx = await ws.open("rb", new Date(ts[239]));
    await ctx.store.append(all.slice(0, 240));
    await replayJob(ctx, { retrainEvery: 1 });
    await closeJobContext(ctx);
    for (let i = 240; i < values.length; i++) {
      const at = new Date(ts[i]);
      const live = await ws.open("rb", at);
      await live.store.append([all[i]]);
      await trainJob(live);
      await scoreJob(live);
      await closeJobContext(live);
    }
    const check = await ws.open("rb", end);
    const stored = await storedRows(check, "score");
    await closeJobContext(check);
    const byTime = new Map(stored.map((r) => [r.metric_timestamp.getTime(), r.metric_value]));
    const got = ts.map((t) => byTime.get(t) ?? Number.NaN);
    expect(got.slice(240)).toEqual(expected.slice(240));
    expect(got[250]).toBeGreaterThan(0.9);
    expect(got[262]).toBeGreaterThan(0.6);
    expect(got[266]).toBe(0);
  }, 240_000);
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
    expect((await ctx.models.loadModels("r")).get("m", "pca_default")).toMatchObject({ model_name: "PCA" });
    const again = await replayJob(ctx, { retrainEvery: 25 });
    expect(again).toMatchObject({ scored: 0, alerts: 0, changes: 0 });
    expect(await storedRows(ctx, "score")).toHaveLength(186);
    await closeJobContext(ctx);
  });

  it("--rescore replaces the stored scores and flags instead of keeping them", async () => {
    const ctx = await ws.open("r", NOW);
    await ctx.store.append(
      seriesRows(
        "r",
        "m",
        noise(60).map((x) => 10 + x),
        NOW,
        STEP,
      ),
    );
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
