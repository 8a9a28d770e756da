// preprocess_fn: a batch's own features, used by train, score and replay alike (so replay == live), checked
// when the config loads, and failing with the batch, the metric and the model named.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { ConfigError, loadBatch } from "../../f/anomstack/config/index.ts";
import { closeJobContext } from "../../f/anomstack/jobs/job-context.ts";
import { trainJob, trainMetricModels } from "../../f/anomstack/jobs/train.ts";
import { scoreJob } from "../../f/anomstack/jobs/score.ts";
import { replayJob, replayScores } from "../../f/anomstack/jobs/replay.ts";
import { scoreHistoryN } from "../../f/anomstack/jobs/batch-detector.ts";
import { DEFAULT_FEATURES, hookFeatures, loadBatchFeatures, toFeatureMatrix } from "../../f/anomstack/jobs/preprocess-hook.ts";
import { makeWorkspace, noise, seriesRows, storedRows, type Workspace } from "../helpers/workspace.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const STEP = 300_000;
let ws: Workspace;

/**
 * Percent change over `change_n` points (a key of the batch's own), then the default preprocessing (here
 * `smooth_n: 2`) on it, plus a column of its own: the change's sign. Reads `change_n` earlier points.
 */
const HOOK = `
export function preprocess(rows, params, ctx) {
  const n = params.change_n;
  const changes = [];
  for (let i = n; i < rows.length; i++) {
    changes.push({ metric_timestamp: rows[i].metric_timestamp, metric_value: rows[i].metric_value / rows[i - n].metric_value - 1 });
  }
  const base = ctx.defaultPreprocess(changes);
  return { timestamps: base.timestamps, columns: [...base.columns, "sign"], values: base.values.map((r) => [...r, Math.sign(r[0])]) };
}
export function lookback(params) {
  return params.change_n + params.smooth_n - 1;
}
`;

function hookBatch(name: string, hook: string, extra = "") {
  ws.writeBatch(
    name,
    `ingest_sql: select 1\npreprocess_fn: features.ts\npreprocess_params:\n  smooth_n: 2\n  change_n: 3\nmodel_configs:\n  - {model_name: RANGE, model_tag: r}\n  - {model_name: ZSCORE, model_tag: z}\n${extra}`,
  );
  ws.writeFile(`${name}/features.ts`, hook);
}

beforeEach(() => {
  ws = makeWorkspace();
});
afterAll(async () => {
  await closeAllDuckdbInstances();
});

describe("preprocess_fn at config load", () => {
  it("accepts a module exporting preprocess, with keys of the batch's own in preprocess_params", () => {
    hookBatch("h", HOOK);
    const cfg = ws.load("h");
    expect(cfg.preprocess_fn).toBe("features.ts");
    expect(cfg.preprocess_params).toEqual({ diff_n: 0, smooth_n: 2, lags_n: 0, freq: null, freq_agg: "mean", change_n: 3 });
  });

  it("refuses a missing file, a module without preprocess, an async preprocess and a non-.ts name", () => {
    const problem = (hook: string | undefined, name = "features.ts") => {
      ws.writeBatch("b", `ingest_sql: select 1\npreprocess_fn: ${name}\n`);
      if (hook !== undefined) ws.writeFile("b/features.ts", hook);
      try {
        ws.load("b");
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message.split(": b.preprocess_fn: ")[1];
      }
      return "loaded";
    };
    const file = `${ws.metricsDir}/b/features.ts`;
    expect(problem(undefined, "nothere.ts")).toBe(`file not found: ${ws.metricsDir}/b/nothere.ts`);
    expect(problem("export const features = 1;\n")).toBe(
      `${file} must export a function named "preprocess" (export function preprocess(rows, params, ctx) { ... })`,
    );
    expect(problem("export async function preprocess() {}\n")).toBe(
      `${file}: "preprocess" must be synchronous (train, score and replay compute features in one pass); drop "async"`,
    );
    expect(problem("export const preprocess = (rows) => rows;\n")).toBe("loaded");
    expect(problem("function p() {}\nexport { p as other, p as preprocess };\n")).toBe("loaded");
    expect(problem("x", "features.py")).toBe('must name a .ts module, got "features.py"');
  });

  it("refuses keys of the batch's own without a preprocess_fn, and typos of the default keys even with one", () => {
    ws.writeBatch("k", "ingest_sql: select 1\npreprocess_params:\n  change_n: 3\n");
    expect(() => ws.load("k")).toThrow(
      "k.preprocess_params.change_n: unknown key (keys of your own are read by a preprocess_fn; this batch has none)",
    );
    ws.writeFile("t/features.ts", HOOK);
    ws.writeBatch(
      "t",
      "ingest_sql: select 1\npreprocess_fn: features.ts\nmodel_configs:\n  - {model_name: RANGE, model_tag: r, preprocess_params: {lag_n: 2, change_n: 1}}\n",
    );
    expect(() => ws.load("t")).toThrow("t.model_configs[0].preprocess_params.lag_n: unknown key, did you mean `lags_n`?");
  });
});

describe("the hook's answer", () => {
  const where = "b, metric m, model r: preprocess_fn features.ts";
  it("is checked and turned into a feature matrix", () => {
    const X = toFeatureMatrix(
      {
        timestamps: [new Date(1000), 2000],
        columns: ["a", "b"],
        values: [
          [1, 2],
          [3, 4],
        ],
      },
      where,
    );
    expect(X).toEqual({ rows: 2, cols: 2, data: Float64Array.of(1, 2, 3, 4), timestamps: [1000, 2000], columns: ["a", "b"] });
  });

  it("names the batch, the metric, the model and the first problem", () => {
    const bad = (out: unknown) => () => toFeatureMatrix(out, where);
    const shape = "; expected { timestamps, columns, values } (Features)";
    expect(bad(Promise.resolve(1))).toThrow(`${where} returned a Promise: preprocess must be synchronous`);
    expect(bad([1, 2])).toThrow(`${where} returned the wrong shape: got an array${shape}`);
    expect(bad({ timestamps: [1], columns: [], values: [[1]] })).toThrow("columns must be a non-empty list of names");
    expect(bad({ timestamps: [1, 2], columns: ["a"], values: [[1]] })).toThrow("2 timestamps but 1 rows of values");
    expect(bad({ timestamps: [1, 2], columns: ["a", "b"], values: [[1, 2], [3]] })).toThrow(
      `${where} returned the wrong shape: values[1] has 1 numbers but columns has 2 (["a","b"])${shape}`,
    );
    expect(bad({ timestamps: [1, 2], columns: ["a"], values: [[1], [Number.NaN]] })).toThrow("values[1][0] (a) is null, not a finite number");
    expect(bad({ timestamps: [2, 1], columns: ["a"], values: [[1], [2]] })).toThrow("timestamps[1] is not after timestamps[0]");
    expect(bad({ timestamps: ["2024-01-01"], columns: ["a"], values: [[1]] })).toThrow("timestamps[0] is not a Date or epoch milliseconds");
  });

  it("a hook that throws or is not exported fails with the batch and the metric named", () => {
    const cfg = { metric_batch: "b", preprocess_fn: "features.ts" };
    const boom = hookFeatures(cfg, {
      preprocess: () => {
        throw new Error("no data for you");
      },
    });
    expect(() => boom.matrix({ timestamps: [1], values: [1] }, DEFAULT_PARAMS, { metric: "m", model_tag: "r" })).toThrow(
      "b, metric m, model r: preprocess_fn features.ts threw: no data for you",
    );
    expect(() => hookFeatures(cfg, { other: () => 1 })).toThrow('b: preprocess_fn features.ts must export a function named "preprocess"');
    const badLookback = hookFeatures(cfg, { preprocess: () => ({}), lookback: () => -1 });
    expect(() => badLookback.lookback(DEFAULT_PARAMS)).toThrow("b: preprocess_fn features.ts: lookback must return a non-negative integer, got -1");
  });
});

const DEFAULT_PARAMS = { diff_n: 0, smooth_n: 0, lags_n: 0, freq: null, freq_agg: "mean" as const };

describe("train, score and replay with a preprocess_fn", () => {
  it("train saves models on the hook's columns; its lookback widens the scoring history", async () => {
    hookBatch("h", HOOK);
    const cfg = ws.load("h");
    const features = await loadBatchFeatures(cfg);
    expect(features.hook).toBe("features.ts");
    expect(scoreHistoryN(cfg, features) - scoreHistoryN(cfg, DEFAULT_FEATURES)).toBe(4 - 1); // 3 + 2 - 1 vs smooth_n 2 - 1
    const values = noise(60).map((x) => 10 + x);
    const models = trainMetricModels(
      cfg,
      values.map((_, i) => i * STEP),
      values,
      { metric: "m", features },
    );
    expect(models.map((m) => m.columns)).toEqual([
      ["metric_value", "sign"],
      ["metric_value", "sign"],
    ]);
    expect(models[0].features).toEqual({ ...cfg.preprocess_params, preprocess_fn: "features.ts" });
  });

  it("replay and the live jobs give every point the same score", async () => {
    hookBatch("h", HOOK, "score_suppress_n: 0\n");
    const cfg = ws.load("h");
    const features = await loadBatchFeatures(cfg);
    const values = noise(130, 7).map((x) => 10 + x);
    values[112] = 13; // a jump the percent change sees
    const end = new Date(NOW.getTime() + 29 * STEP);
    const all = seriesRows("h", "m", values, end, STEP);
    const ts = all.map((r) => r.metric_timestamp.getTime());
    const expected = replayScores(cfg, ts, values, 1, { metric: "m", features });
    const ctx = await ws.open("h", new Date(ts[99]));
    await ctx.store.append(all.slice(0, 100));
    expect(await replayJob(ctx, { retrainEvery: 1 })).toMatchObject({ metrics: 1, failed: [] });
    await closeJobContext(ctx);
    for (let i = 100; i < values.length; i++) {
      const live = await ws.open("h", new Date(ts[i]));
      await live.store.append([all[i]]);
      expect((await trainJob(live)).failed).toEqual([]);
      expect((await scoreJob(live)).failed).toEqual([]);
      await closeJobContext(live);
    }
    const check = await ws.open("h", end);
    const stored = new Map((await storedRows(check, "score")).map((r) => [r.metric_timestamp.getTime(), r.metric_value]));
    await closeJobContext(check);
    const got = ts.map((t) => stored.get(t) ?? Number.NaN);
    expect(got.slice(100)).toEqual(expected.slice(100));
    expect(got[112]).toBeGreaterThan(cfg.alert_threshold);
  });

  it("a hook that fails for a metric fails that metric in train, score and replay, naming batch and metric", async () => {
    hookBatch(
      "f",
      'export function preprocess(rows, p, ctx) { if (ctx.metric === "cpu" && rows.length > 30) throw new Error("too long"); return ctx.defaultPreprocess(rows); }\n',
    );
    const ctx = await ws.open("f", NOW);
    await ctx.store.append(seriesRows("f", "cpu", noise(40), NOW, STEP));
    await ctx.store.append(seriesRows("f", "mem", noise(40, 2), NOW, STEP));
    // the other metric still trains (when every metric fails, the job itself fails)
    const t = await trainJob(ctx);
    expect(t.trained).toEqual(["mem"]);
    expect(t.failed).toEqual([{ metric: "cpu", error: "f, metric cpu, model r: preprocess_fn features.ts threw: too long" }]);
    const r = await replayJob(ctx);
    expect(r.failed).toEqual([{ metric: "cpu", error: "f, metric cpu, model r: preprocess_fn features.ts threw: too long" }]);
    await closeJobContext(ctx);
  });

  it("models trained without the hook are refused by a batch that has one (retrain)", async () => {
    ws.writeBatch("s", "ingest_sql: select 1\nmodel_configs:\n  - {model_name: RANGE, model_tag: r}\n");
    const before = await ws.open("s", NOW);
    await before.store.append(
      seriesRows(
        "s",
        "m",
        noise(40).map((x) => 1 + x),
        NOW,
        STEP,
      ),
    );
    expect((await trainJob(before)).trained).toEqual(["m"]);
    await closeJobContext(before);
    ws.writeBatch(
      "s",
      "ingest_sql: select 1\npreprocess_fn: features.ts\npreprocess_params: {change_n: 1}\nmodel_configs:\n  - {model_name: RANGE, model_tag: r}\n",
    );
    ws.writeFile("s/features.ts", HOOK);
    const after = await ws.open("s", new Date(NOW.getTime() + STEP));
    await after.store.append(seriesRows("s", "m", [1.5], new Date(NOW.getTime() + STEP)));
    // its only metric fails, so the job fails, naming it and why
    await expect(scoreJob(after)).rejects.toThrow(
      /^s score: every metric failed \(1\): m: model r was trained on other features .* than its config gives now .*"preprocess_fn":"features.ts".*; retrain$/,
    );
    await closeJobContext(after);
  });
});

describe("loading the module", () => {
  it("is the default preprocessing without a preprocess_fn, and names the file when the import fails", async () => {
    ws.writeBatch("d", "ingest_sql: select 1\n");
    expect(await loadBatchFeatures(loadBatch("d", { metricsDir: ws.metricsDir, env: ws.env }))).toBe(DEFAULT_FEATURES);
    ws.writeBatch("x", "ingest_sql: select 1\npreprocess_fn: features.ts\n");
    ws.writeFile("x/features.ts", 'import "./missing.ts";\nexport function preprocess() {}\n');
    await expect(loadBatchFeatures(ws.load("x"))).rejects.toThrow(`x: cannot load preprocess_fn ${ws.metricsDir}/x/features.ts: `);
  });
});
