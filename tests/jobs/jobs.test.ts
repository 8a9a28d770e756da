// The jobs end to end on a real DuckDB file: what each writes, idempotent re-runs, alert decisions.
import { FolderObjectStore } from "../../f/anomstack/store/model-objects.ts";
import { RunModelStore } from "../../f/anomstack/store/model-store.ts";
import { failingPuts } from "../store/model-store-contract.ts";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { ingestJob } from "../../f/anomstack/jobs/ingest.ts";
import { trainJob } from "../../f/anomstack/jobs/train.ts";
import { scoreJob } from "../../f/anomstack/jobs/score.ts";
import { alertJob } from "../../f/anomstack/jobs/alert.ts";
import { changeJob } from "../../f/anomstack/jobs/change.ts";
import { tholdalertJob } from "../../f/anomstack/jobs/tholdalert.ts";
import { deleteJob } from "../../f/anomstack/jobs/delete.ts";
import { backfillJob, ingestTimes } from "../../f/anomstack/jobs/backfill.ts";
import { shardOf } from "../../f/anomstack/core/shard.ts";
import { planBatchShards } from "../../f/anomstack/jobs/plan-shards.ts";
import type { QueryColumns } from "../../f/anomstack/store/metrics-store.ts";
import { median } from "../../f/anomstack/ml/mad.ts";
import { changeScore, fitChangeLevels } from "../../f/anomstack/rules/change-rule.ts";
import { closeJobContext } from "../../f/anomstack/jobs/job-context.ts";
import { makeWorkspace, noise, seriesRows, storedRows, type Workspace } from "../helpers/workspace.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const STEP = 300_000;
let ws: Workspace;

beforeEach(() => {
  ws = makeWorkspace();
});
afterAll(async () => {
  await closeAllDuckdbInstances();
});

/** A batch whose ingest function returns one deterministic value per metric at `now`. */
function writeFnBatch(name: string, extra = "") {
  ws.writeFile(
    `${name}/ingest.ts`,
    `export function ingest({ now }) {
       const m = Math.floor(now.getTime() / 60000);
       return [
         { metric_timestamp: now, metric_name: "a", metric_value: (m % 7) + 0.123456 },
         { metric_timestamp: now.toISOString(), metric_name: "b", metric_value: String(m % 5) },
       ];
     }\n`,
  );
  ws.writeBatch(name, `ingest_fn: ingest.ts\ningest_cron_schedule: "*/5 * * * *"\n${extra}`);
}

describe("ingest", () => {
  it("stores the function's rows rounded to ingest_metric_rounding, once", async () => {
    writeFnBatch("fn");
    const ctx = await ws.open("fn", NOW);
    const r = await ingestJob(ctx);
    expect(r).toEqual({ job: "ingest", batch: "fn", rows: 2, inserted: 2, metrics: 2, warnings: [], stale: false });
    // 2026-03-01T12:00Z is minute 29539440: 29539440 % 7 = 0 and % 5 = 0; 0.123456 rounds to 0.1235
    const rows = await storedRows(ctx, "metric");
    expect(rows.map((x) => [x.metric_name, x.metric_value, x.metric_timestamp.toISOString()])).toEqual([
      ["a", 0.1235, NOW.toISOString()],
      ["b", 0, NOW.toISOString()],
    ]);
    expect((await ingestJob(ctx)).inserted).toBe(0);
    expect(await storedRows(ctx, "metric")).toHaveLength(2);
    await closeJobContext(ctx);
  });

  it("runs ingest_sql rendered with now on the batch's DuckDB", async () => {
    ws.writeBatch(
      "sql",
      `ingest_sql: "select cast({{ now | sql_str }} as timestamp) as metric_timestamp, 'x' as metric_name, 41 + 1 as metric_value"\n`,
    );
    const ctx = await ws.open("sql", NOW);
    await ingestJob(ctx);
    const rows = await storedRows(ctx, "metric");
    expect(rows.map((x) => [x.metric_name, x.metric_value, x.metric_timestamp.toISOString()])).toEqual([["x", 42, NOW.toISOString()]]);
    await closeJobContext(ctx);
  });

  it("stores threshold bounds in the metadata of the metrics that have them", async () => {
    writeFnBatch("meta", "tholdalert_thresholds:\n  a:\n    upper: 12\n    lower: 0\n");
    const ctx = await ws.open("meta", NOW);
    await ingestJob(ctx);
    const rows = await storedRows(ctx, "metric");
    expect(rows.map((x) => [x.metric_name, x.metadata])).toEqual([
      ["a", '{"thresholds":{"upper":12,"lower":0}}'],
      ["b", ""],
    ]);
    await closeJobContext(ctx);
  });
});

describe("backfill", () => {
  it("computes the cron's fire times at or before now", () => {
    expect(ingestTimes("*/5 * * * *", new Date("2026-01-01T10:07:30Z"), 3).map((d) => d.toISOString())).toEqual([
      "2026-01-01T09:55:00.000Z",
      "2026-01-01T10:00:00.000Z",
      "2026-01-01T10:05:00.000Z",
    ]);
    // `now` exactly on a fire time includes it.
    expect(ingestTimes("0 * * * *", new Date("2026-01-01T10:00:00Z"), 1)[0].toISOString()).toBe("2026-01-01T10:00:00.000Z");
  });

  it("calls the ingest function once per period and stores every row once", async () => {
    writeFnBatch("fn");
    const ctx = await ws.open("fn", NOW);
    const progress: number[] = [];
    const r = await backfillJob(ctx, { periods: 12, onProgress: (d) => progress.push(d) });
    expect(r).toMatchObject({ periods: 12, rows: 24, inserted: 24, from: "2026-03-01T11:05:00.000Z", to: "2026-03-01T12:00:00.000Z" });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect((await backfillJob(ctx, { periods: 12 })).inserted).toBe(0);
    await expect(backfillJob(ctx, { periods: 0 })).rejects.toThrow("fn backfill: --periods must be a positive integer, got 0");
    await closeJobContext(ctx);
  });
});

describe("train and score", () => {
  async function seeded(name: string, values: number[], extra = "") {
    ws.writeBatch(name, `ingest_sql: select 1\n${extra}`);
    const ctx = await ws.open(name, NOW);
    await ctx.store.append(seriesRows(name, "m", values, NOW, STEP));
    return ctx;
  }

  it("in shards: each shard's query returns only its metrics, and the shards score what one shard scores", async () => {
    const metrics = Array.from({ length: 12 }, (_, i) => `s${i}`);
    const seed = async (name: string) => {
      ws.writeBatch(name, "ingest_sql: select 1\n");
      const ctx = await ws.open(name, NOW);
      await ctx.store.append(metrics.flatMap((m, i) => seriesRows(name, m, noise(60, i + 1), NOW, STEP)));
      return ctx;
    };
    const whole = await seed("whole");
    await trainJob(whole);
    await scoreJob(whole);
    const scoredWhole = await storedRows(whole, "score");
    const split = await seed("split");
    const queried: string[][] = [];
    for (const index of [0, 1, 2]) {
      const ctx = { ...split, shard: { index, count: 3 } };
      const stream = ctx.store.streamColumns!.bind(ctx.store);
      ctx.store = Object.assign(Object.create(ctx.store), {
        streamColumns: async (sql: string, params: unknown[] | undefined, onChunk: (c: QueryColumns) => void) => {
          const names = new Set<string>();
          await stream(sql, params, (c) => {
            for (const n of c.columns.metric_name as string[]) names.add(n);
            onChunk(c);
          });
          queried.push([...names]);
        },
      });
      const trained = await trainJob(ctx);
      await scoreJob(ctx);
      // the rows of train_sql, then of score_sql: this shard's metrics, and all of them
      expect(queried.slice(-2)).toEqual([trained.trained, trained.trained]);
      expect(trained.trained.every((m) => shardOf(m, 3) === index)).toBe(true);
    }
    expect(
      queried
        .filter((_, i) => i % 2 === 0)
        .flat()
        .sort(),
    ).toEqual([...metrics].sort());
    const scoredSplit = await storedRows(split, "score");
    expect(scoredSplit.map((r) => [r.metric_name, r.metric_timestamp.getTime(), r.metric_value])).toEqual(
      scoredWhole.map((r) => [r.metric_name, r.metric_timestamp.getTime(), r.metric_value]),
    );
    await closeJobContext(whole);
    await closeJobContext(split);
  });

  it("in shards with the plan's names: no shard lists the batch's metrics, each reads its own, and they score what one shard scores", async () => {
    const metrics = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const seed = async (name: string, extra = "") => {
      ws.writeBatch(name, `ingest_sql: select 1\n${extra}`);
      const ctx = await ws.open(name, NOW);
      await ctx.store.append(metrics.flatMap((m, i) => seriesRows(name, m, noise(60, i + 1), NOW, STEP)));
      return ctx;
    };
    const whole = await seed("pwhole");
    await trainJob(whole);
    await scoreJob(whole);
    const split = await seed("psplit", "shard_size: 5\n");
    // 12 metrics in shards of 5: 3 shards, each with its names (sorted), every metric in exactly one.
    const plan = await planBatchShards(split);
    expect(plan.map((p) => [p.shard, p.shard_count])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
    expect(plan.flatMap((p) => p.metrics ?? []).sort()).toEqual([...metrics].sort());
    for (const p of plan) expect(p.metrics).toEqual([...metrics].filter((m) => shardOf(m, 3) === p.shard).sort());
    const queries: string[] = [];
    for (const p of plan) {
      const ctx = { ...split, shard: { index: p.shard, count: p.shard_count }, shardMetrics: p.metrics };
      const { query, streamColumns } = ctx.store;
      ctx.store = Object.assign(Object.create(ctx.store), {
        query: (sql: string, params?: unknown[]) => {
          queries.push(sql);
          return query.call(split.store, sql, params);
        },
        streamColumns: (sql: string, params: unknown[] | undefined, onChunk: (c: QueryColumns) => void) => {
          queries.push(sql);
          return streamColumns?.call(split.store, sql, params, onChunk);
        },
      });
      const trained = await trainJob(ctx);
      expect(trained.trained).toEqual(p.metrics);
      await scoreJob(ctx);
    }
    expect(queries.length).toBeGreaterThan(plan.length);
    expect(queries.filter((q) => /select distinct metric_name/i.test(q))).toEqual([]);
    const scoredSplit = await storedRows(split, "score");
    expect(scoredSplit.map((r) => [r.metric_name, r.metric_timestamp.getTime(), r.metric_value])).toEqual(
      (await storedRows(whole, "score")).map((r) => [r.metric_name, r.metric_timestamp.getTime(), r.metric_value]),
    );
    // A plan of one shard lists no names (the shard reads the whole batch).
    expect(await planBatchShards(whole)).toEqual([{ shard: 0, shard_count: 1 }]);
    await closeJobContext(whole);
    await closeJobContext(split);
  });

  it("saves one training run holding every metric's model per model config", async () => {
    const ctx = await seeded(
      "t",
      noise(100).map((x) => 10 + x),
    );
    const r = await trainJob(ctx);
    expect(r).toEqual({ job: "train", batch: "t", trained: ["m"], skipped: [], failed: [] });
    // one manifest naming one artifact of this run
    expect(fs.readdirSync(path.join(ws.modelsDir, "t", "manifests"))).toEqual(["shard-0-of-1.json"]);
    expect(fs.readdirSync(path.join(ws.modelsDir, "t", "runs", "shard-0-of-1"))).toHaveLength(1);
    const models = await ctx.models.loadModels("t");
    expect(Object.keys(models.modelsOf("m") ?? {}).sort()).toEqual(["hour_of_day", "level", "level_smooth", "local"]);
    // level: the 100 values; level_smooth: the 77 means of 24 values; each with the features it was trained on
    expect(models.get("m", "level")).toMatchObject({ model_name: "RANGE", n_train: 100, calibration_method: "range", features: { smooth_n: 0 } });
    expect(models.get("m", "level_smooth")).toMatchObject({ model_name: "RANGE", n_train: 77, features: { smooth_n: 24 } });
    await closeJobContext(ctx);
    // the original's detector: PCA and KNN on 92 rows of diff/smooth/lag features
    const orig = await seeded(
      "o",
      noise(100).map((x) => 10 + x),
      "detector_preset: original\n",
    );
    await trainJob(orig);
    const origModels = await orig.models.loadModels("o");
    expect(Object.keys(origModels.modelsOf("m") ?? {}).sort()).toEqual(["knn_default", "pca_default"]);
    const pca = origModels.get("m", "pca_default") as Record<string, unknown>;
    expect(pca).toMatchObject({ kind: "anomstack-model", model_name: "PCA", model_tag: "pca_default", n_train: 92 });
    expect(pca.calibration_method).toBeUndefined(); // minmax, as models saved before calibrations existed
    await closeJobContext(orig);
  });

  it("trains only up to the newest scored point, so new points are scored by a model that has not seen them", async () => {
    const ctx = await seeded(
      "c",
      noise(60).map((x) => 10 + x),
    );
    await trainJob(ctx);
    await scoreJob(ctx);
    await ctx.store.append(seriesRows("c", "m", [10.2, 10.4], new Date(NOW.getTime() + 2 * STEP), STEP));
    const later = await ws.open("c", new Date(NOW.getTime() + 2 * STEP));
    await trainJob(later);
    const level = (await ctx.models.loadModels("c")).get("m", "level") as { n_train: number };
    expect(level).toMatchObject({ n_train: 60, trained_until: NOW.getTime() });
    await closeJobContext(ctx);
    await closeJobContext(later);
  });

  it("waits for train_min_n points and says so", async () => {
    const ctx = await seeded("few", [1, 2, 3, 4, 5]);
    const r = await trainJob(ctx);
    expect(r.skipped).toEqual([{ metric: "m", reason: "has 5 point(s), needs train_min_n=14" }]);
    expect(r.trained).toEqual([]);
    await closeJobContext(ctx);
  });

  it("reports a metric that fails and still trains the others", async () => {
    const ctx = await seeded(
      "iso",
      noise(60).map((x) => 10 + x),
    );
    await ctx.store.append(
      seriesRows(
        "iso",
        "other",
        noise(60, 7).map((x) => 5 + x),
        NOW,
        STEP,
      ),
    );
    // The batch's own features fail for one metric only.
    ws.writeFile(
      "iso/features.ts",
      'export function preprocess(rows, params, ctx) {\n  if (ctx.metric === "m") throw new Error("no features for m");\n  return ctx.defaultPreprocess(rows);\n}\n',
    );
    ws.writeBatch("iso", "ingest_sql: select 1\npreprocess_fn: features.ts\n");
    const hooked = await ws.open("iso", NOW);
    const r = await trainJob(hooked);
    expect(r.trained).toEqual(["other"]);
    expect(r.failed).toEqual([{ metric: "m", error: expect.stringContaining("no features for m") }]);
    await closeJobContext(hooked);
    await closeJobContext(ctx);
  });

  it("trains and scores any metric name the store accepts: 300 characters, 30 Chinese characters (issue 13)", async () => {
    const long = "m".repeat(300);
    const chinese = "每日活跃用户数量按地区和设备类型统计的七日滚动平均值指标数据";
    expect([...chinese]).toHaveLength(30);
    const ctx = await seeded(
      "names",
      noise(100).map((x) => 10 + x),
    );
    for (const [i, name] of [long, chinese].entries()) {
      await ctx.store.append(
        seriesRows(
          "names",
          name,
          noise(100, i + 3).map((x) => 10 + x),
          NOW,
          STEP,
        ),
      );
    }
    const trained = await trainJob(ctx);
    expect(trained.failed).toEqual([]);
    expect(trained.trained.sort()).toEqual([chinese, "m", long].sort());
    const scored = await scoreJob(ctx);
    expect(scored).toMatchObject({ metrics: 3, no_model: [], failed: [] });
    const byName = new Set((await storedRows(ctx, "score")).map((r) => r.metric_name));
    expect(byName).toEqual(new Set(["m", long, chinese]));
    await closeJobContext(ctx);
  });

  it("a training run that fails while saving leaves the previous models, and score keeps using them", async () => {
    const ctx = await seeded(
      "atomic",
      noise(80).map((x) => 10 + x),
    );
    await trainJob(ctx);
    const before = await ctx.models.loadModels("atomic");
    await ctx.store.append(seriesRows("atomic", "m", [10.1, 9.9, 10.3], new Date(NOW.getTime() + 3 * STEP), STEP));
    const later = await ws.open("atomic", new Date(NOW.getTime() + 3 * STEP));
    const models = later.models;
    // the run's first put (its artifact) fails, as a full disk or a dropped connection would
    later.models = new RunModelStore(ws.modelsDir, failingPuts(new FolderObjectStore(ws.modelsDir), 1));
    await expect(trainJob(later)).rejects.toThrow(/^cannot save the models of batch "atomic" to .*: connection reset$/);
    later.models = models;
    const after = await later.models.loadModels("atomic");
    expect(after.runs).toEqual(before.runs);
    expect(after.get("m", "level")).toEqual(before.get("m", "level"));
    const scored = await scoreJob(later);
    expect(scored).toMatchObject({ no_model: [], failed: [] });
    expect(scored.scored).toBeGreaterThan(0);
    await closeJobContext(ctx);
    await closeJobContext(later);
  });

  it("scores only points not scored yet, as probabilities in [0, 1]", async () => {
    const ctx = await seeded(
      "s",
      noise(100).map((x) => 10 + x),
    );
    await trainJob(ctx);
    const first = await scoreJob(ctx);
    // score_max_n = 25 newest points (the rows before them are only history: features, calibration)
    expect(first).toMatchObject({ scored: 25, metrics: 1, no_model: [], failed: [] });
    const scores = await storedRows(ctx, "score");
    expect(scores).toHaveLength(25);
    expect(scores.every((s) => s.metric_value >= 0 && s.metric_value <= 1)).toBe(true);
    expect((await scoreJob(ctx)).scored).toBe(0);
    // a new point: exactly one new score
    await ctx.store.append(seriesRows("s", "m", [10.5], new Date(NOW.getTime() + STEP)));
    const later = await ws.open("s", new Date(NOW.getTime() + STEP));
    expect((await scoreJob(later)).scored).toBe(1);
    await closeJobContext(ctx);
    await closeJobContext(later);
  });

  it("trains, saves and scores the PyOD models (IForest, LOF, OCSVM, ECOD, COPOD, HBOS, MCD, MAD)", async () => {
    const models = [
      "  - {model_name: IForest, model_tag: iforest, model_params: {n_estimators: 20}, preprocess_params: {lags_n: 2}}",
      "  - {model_name: LOF, model_tag: lof, preprocess_params: {diff_n: 1}}",
      "  - {model_name: OCSVM, model_tag: ocsvm, model_params: {nu: 0.2}}",
      "  - {model_name: ECOD, model_tag: ecod}",
      "  - {model_name: COPOD, model_tag: copod}",
      "  - {model_name: HBOS, model_tag: hbos}",
      "  - {model_name: MCD, model_tag: mcd, preprocess_params: {lags_n: 1}}",
      "  - {model_name: MAD, model_tag: mad}",
    ];
    const ctx = await seeded(
      "pyod",
      noise(150).map((x) => 10 + x),
      `model_configs:\n${models.join("\n")}\n`,
    );
    expect(await trainJob(ctx)).toEqual({ job: "train", batch: "pyod", trained: ["m"], skipped: [], failed: [] });
    const saved = await ctx.models.loadModels("pyod");
    expect(Object.keys(saved.modelsOf("m") ?? {}).sort()).toEqual(["copod", "ecod", "hbos", "iforest", "lof", "mad", "mcd", "ocsvm"]);
    const iforest = saved.get("m", "iforest") as { detector: { trees: unknown[] } };
    expect(iforest).toMatchObject({
      model_name: "IForest",
      columns: ["metric_value", "lag_1", "lag_2"],
      calibration_method: "range",
      detector: { kind: "iforest" },
    });
    expect(iforest.detector.trees).toHaveLength(20);
    expect(await scoreJob(ctx)).toMatchObject({ scored: 25, metrics: 1, no_model: [], failed: [] });
    const scores = await storedRows(ctx, "score");
    expect(scores.every((x) => x.metric_value >= 0 && x.metric_value <= 1)).toBe(true);
    await closeJobContext(ctx);
  });

  it("skips metrics without a model with a warning", async () => {
    const ctx = await seeded(
      "nomodel",
      noise(40).map((x) => 10 + x),
    );
    const r = await scoreJob(ctx);
    expect(r).toMatchObject({ scored: 0, no_model: ["m"] });
    expect(ctx.logLines.some((l) => l.level === "warn" && l.msg === "m: no trained model yet, not scored (run train first)")).toBe(true);
    await closeJobContext(ctx);
  });
});

describe("alert", () => {
  it("alerts a spike once, with the original's title and the metric's tags", async () => {
    ws.writeBatch("al", "ingest_sql: select 1\nalert_smooth_n: 0\nmetric_tags:\n  m:\n    priority: p1\n");
    const ctx = await ws.open("al", NOW);
    const values = noise(200).map((x) => 10 + x);
    await ctx.store.append(seriesRows("al", "m", values.slice(0, 199), new Date(NOW.getTime() - STEP), STEP));
    await trainJob(ctx);
    await ctx.store.append(seriesRows("al", "m", [30], NOW));
    await scoreJob(ctx);
    const r = await alertJob(ctx);
    // The level member: training values span [10, 11), its range is the median ± 4 noise standard
    // deviations (uniform noise: σ ≈ 0.29) padded by 0.75 of one, a half-width of about 1.4, so 30 is
    // about 13.5 half-widths beyond it: 13.5 / (13.5 + 0.05) = 0.9963.
    expect(r.alerts).toEqual([{ metric: "m", timestamp: NOW.toISOString(), score_smooth: 0.9963 }]);
    expect(ctx.sent).toHaveLength(1);
    expect(ctx.sent[0]).toMatchObject({
      kind: "anomaly",
      title: "🔥 [m] looks anomalous (2026-03-01 12:00) 🔥",
      value: 30,
      score: 0.9963,
      threshold: 0.6,
      tags: { metric_batch: "al", metric_name: "m", metric_timestamp: "2026-03-01 12:00", alert_type: "anomaly", priority: "p1" },
    });
    const alerts = await storedRows(ctx, "alert");
    expect(alerts.map((a) => [a.metric_timestamp.toISOString(), a.metric_value])).toEqual([[NOW.toISOString(), 1]]);
    // a re-run neither stores nor sends the alert again
    const again = await alertJob(ctx);
    expect(again.alerts).toEqual([]);
    expect(ctx.sent).toHaveLength(1);
    expect(await storedRows(ctx, "alert")).toHaveLength(1);
    await closeJobContext(ctx);
  });
});

describe("change", () => {
  it("fires on a level shift (the original's never did) and snoozes after it", async () => {
    ws.writeBatch("ch", "ingest_sql: select 1\n");
    const ctx = await ws.open("ch", NOW);
    const base = noise(60).map((x) => 10 + x);
    // one value at 20 is not a change (the level is the median of the newest change_smooth_n = 12 values) ...
    const before = new Date(NOW.getTime() - 5 * STEP);
    await ctx.store.append(seriesRows("ch", "m", [...base, 20], before, STEP));
    const first = await ws.open("ch", before);
    expect((await changeJob(first)).changes).toEqual([]);
    await closeJobContext(first);
    // ... a new level is: the sixth value at 20 makes half of the newest 12
    await ctx.store.append(seriesRows("ch", "m", [20, 20, 20, 20, 20], NOW, STEP));
    const r = await changeJob(ctx);
    const all = [...base, 20, 20, 20, 20, 20, 20];
    const expected = changeScore(fitChangeLevels(all.slice(0, -1)), median(all.slice(-12)));
    expect(r.changes).toHaveLength(1);
    expect(r.changes[0].metric).toBe("m");
    expect(r.changes[0].score).toBeCloseTo(expected, 6);
    expect(ctx.sent[0].title).toBe("Δ [m] looks changed (2026-03-01 12:00) Δ");
    expect(await storedRows(ctx, "change")).toHaveLength(1);
    // next point is also far off, but the metric is snoozed (a change among its newest change_snooze_n)
    const next = new Date(NOW.getTime() + STEP);
    await ctx.store.append(seriesRows("ch", "m", [20], next));
    const later = await ws.open("ch", next);
    expect(await changeJob(later)).toMatchObject({ changes: [], snoozed: ["m"] });
    await closeJobContext(ctx);
    await closeJobContext(later);
  });
});

describe("tholdalert", () => {
  it("alerts strict breaches of the newest value and snoozes across runs", async () => {
    ws.writeBatch(
      "th",
      "ingest_sql: select 1\ndisable_tholdalert: false\ntholdalert_snooze_n: 2\ntholdalert_thresholds:\n  m:\n    upper: 12\n    lower: 0\n",
    );
    const values = [5, 12, 13, 14, 15, -1, 6];
    const decisions: string[] = [];
    for (let i = 0; i < values.length; i++) {
      const at = new Date(NOW.getTime() + i * STEP);
      const ctx = await ws.open("th", at);
      await ctx.store.append(seriesRows("th", "m", [values[i]], at));
      const r = await tholdalertJob(ctx);
      decisions.push(r.breaches.map((b) => `${b.value} ${b.threshold_type}`).join(",") || "-");
      await closeJobContext(ctx);
    }
    // 12 is not > 12; 13 alerts; 14 and 15 are snoozed (2 periods); -1 alerts (lower); 6 is fine
    expect(decisions).toEqual(["-", "-", "13 upper", "-", "-", "-1 lower", "-"]);
    const ctx = await ws.open("th", NOW);
    const stored = await storedRows(ctx, "tholdalert");
    // The breach details, plus the alert and its delivery records (tests/alerts/delivery.test.ts).
    const metadata = stored.map((s) => JSON.parse(s.metadata));
    expect(metadata.map(({ alert, ...breach }) => breach)).toEqual([
      { thresholds: { upper: 12, lower: 0 }, breached_threshold_type: "upper", breached_threshold_value: 12, metric_value_at_breach: 13 },
      { thresholds: { upper: 12, lower: 0 }, breached_threshold_type: "lower", breached_threshold_value: 0, metric_value_at_breach: -1 },
    ]);
    expect(metadata.map((m) => m.alert.title)).toEqual([
      "⚠️ [m] threshold upper bound breached (2026-03-01 12:10) ⚠️",
      "⚠️ [m] threshold lower bound breached (2026-03-01 12:25) ⚠️",
    ]);
    await closeJobContext(ctx);
  });
});

describe("delete", () => {
  it("deletes the batch's rows older than delete_after_n_days, of every type", async () => {
    ws.writeBatch("del", "ingest_sql: select 1\ndelete_after_n_days: 365\n");
    ws.writeBatch("keep", "ingest_sql: select 1\n");
    const ctx = await ws.open("del", NOW);
    const day = 86_400_000;
    const at = (d: number) => new Date(NOW.getTime() - d * day);
    await ctx.store.append([
      ...seriesRows("del", "m", [1], at(400)),
      ...seriesRows("del", "m", [2], at(366)),
      ...seriesRows("del", "m", [3], at(364)),
      { ...seriesRows("del", "m", [1], at(380))[0], metric_type: "score" },
      ...seriesRows("keep", "m", [1], at(400)),
    ]);
    expect(await deleteJob(ctx)).toEqual({ job: "delete", batch: "del", deleted: 3 });
    const left = await ctx.store.query<{ metric_batch: string; metric_value: number }>(
      "select metric_batch, metric_value from metrics order by metric_batch, metric_value",
    );
    expect(left).toEqual([
      { metric_batch: "del", metric_value: 3 },
      { metric_batch: "keep", metric_value: 1 },
    ]);
    await closeJobContext(ctx);
  });
});
