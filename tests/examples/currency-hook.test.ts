// The currency example's preprocess_fn (log returns, then the default preprocessing) in train, score and
// replay: replay == live, the models are trained on "log_return" columns, and a bad rate fails the metric
// with the batch and the metric named.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { closeJobContext, openJobContext } from "../../f/anomstack/jobs/job-context.ts";
import { trainJob, trainMetricModels } from "../../f/anomstack/jobs/train.ts";
import { scoreJob } from "../../f/anomstack/jobs/score.ts";
import { replayJob, replayScores } from "../../f/anomstack/jobs/replay.ts";
import { loadBatchFeatures } from "../../f/anomstack/jobs/preprocess-hook.ts";
import { scoreLookback } from "../../f/anomstack/jobs/batch-detector.ts";
import { memoryLogger } from "../../f/anomstack/core/log.ts";
import { noise, seriesRows, storedRows } from "../helpers/workspace.ts";
import { exampleEnv, loadExample } from "./helpers/run-example.ts";

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);

afterAll(async () => {
  await closeAllDuckdbInstances();
});

/** A daily rate near 1.08 moving by about 0.3% a day, with one 4% jump at `jump`. */
function rates(n: number, jump: number): number[] {
  const r = noise(n, 11);
  const out: number[] = [];
  let v = 1.08;
  for (let i = 0; i < n; i++) {
    v *= 1 + (r[i] - 0.5) * 0.006 + (i === jump ? 0.04 : 0);
    out.push(Number(v.toFixed(6)));
  }
  return out;
}

function workspaceEnv() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-currency-"));
  return { env: exampleEnv("currency", { ANOMSTACK_MODEL_PATH: `local://${path.join(dir, "models")}` }), duckdbPath: path.join(dir, "c.duckdb") };
}

describe("currency's preprocess_fn", () => {
  it("trains on log returns (one column per model, named log_return) and reads one more point than the default", async () => {
    const cfg = loadExample("currency");
    const features = await loadBatchFeatures(cfg);
    expect(features.hook).toBe("preprocess.ts");
    // log_return_n 1, plus the smooth model's 5-point mean, plus the suppression's 6 quiet points
    expect(scoreLookback(cfg, features)).toBe(1 + 4 + 6);
    const values = rates(40, 35);
    const models = trainMetricModels(
      cfg,
      values.map((_, i) => START + i * DAY),
      values,
      { metric: "eur_usd", features },
    );
    expect(models.map((m) => [m.model_tag, m.columns])).toEqual([
      ["log_return", ["log_return"]],
      ["log_return_smooth", ["log_return"]],
    ]);
    expect(models[0].features).toMatchObject({ log_return_n: 1, preprocess_fn: "preprocess.ts" });
  });

  it("replay and the live jobs give every day the same score, and the 4% jump scores high", async () => {
    const cfg = loadExample("currency");
    const features = await loadBatchFeatures(cfg);
    const values = rates(90, 80);
    const end = new Date(START + 89 * DAY);
    const all = seriesRows("currency", "eur_usd", values, end, DAY);
    const ts = all.map((r) => r.metric_timestamp.getTime());
    const expected = replayScores(cfg, ts, values, 1, { metric: "eur_usd", features });
    const { env, duckdbPath } = workspaceEnv();
    const open = async (at: number) => openJobContext(cfg, { env, duckdbPath, now: new Date(at), log: memoryLogger(), channels: [] });
    const first = await open(ts[69]);
    await first.store.append(all.slice(0, 70));
    expect(await replayJob(first, { retrainEvery: 1 })).toMatchObject({ metrics: 1, failed: [] });
    await closeJobContext(first);
    for (let i = 70; i < values.length; i++) {
      const ctx = await open(ts[i]);
      await ctx.store.append([all[i]]);
      expect((await trainJob(ctx)).failed).toEqual([]);
      expect((await scoreJob(ctx)).failed).toEqual([]);
      await closeJobContext(ctx);
    }
    const check = await open(ts[89]);
    const stored = new Map((await storedRows(check, "score")).map((r) => [r.metric_timestamp.getTime(), r.metric_value]));
    await closeJobContext(check);
    const got = ts.map((t) => stored.get(t) ?? Number.NaN);
    expect(got.slice(70)).toEqual(expected.slice(70));
    expect(got[80]).toBeGreaterThan(cfg.alert_threshold);
    expect(Math.max(...got.slice(70, 80))).toBeLessThan(cfg.alert_threshold);
  });

  it("a rate that is not positive fails that metric, naming the batch, the metric and the point", async () => {
    const cfg = loadExample("currency");
    const { env, duckdbPath } = workspaceEnv();
    const ctx = await openJobContext(cfg, { env, duckdbPath, now: new Date(START + 39 * DAY), log: memoryLogger(), channels: [] });
    const values = rates(40, 99);
    values[20] = 0;
    await ctx.store.append(seriesRows("currency", "usd_rub", values, new Date(START + 39 * DAY), DAY));
    await ctx.store.append(seriesRows("currency", "eur_usd", rates(40, 99), new Date(START + 39 * DAY), DAY));
    const r = await trainJob(ctx);
    expect(r.trained).toEqual(["eur_usd"]);
    expect(r.failed).toEqual([
      {
        metric: "usd_rub",
        error:
          "currency, metric usd_rub, model log_return: preprocess_fn preprocess.ts threw: log returns need positive rates, but usd_rub is 0 at 2024-01-21T00:00:00.000Z",
      },
    ]);
    await closeJobContext(ctx);
  });
});
