// Windmill runs TypeScript on Bun: an API example's ingest (HTTP, cookies) and the currency example's
// preprocess_fn (train, score, replay; from the disk and from the generated bundle, as on a worker) work
// there as under Node.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_DIR } from "../helpers/workspace.ts";
import { exampleRoutes, startReplay, type ReplayServer } from "./helpers/replay-server.ts";
import { EXAMPLES_DIR } from "./helpers/run-example.ts";
import { loadConfig } from "../../f/anomstack/config/index.ts";
import { COPIED_DIR, metricsBundle } from "../../scripts/generate/bundle.ts";

const BUN = path.join(REPO_DIR, "node_modules/.bin/bun");
let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Run `code` (an ES module) under Bun with `env`; returns the JSON it printed last. */
async function underBun(code: string, env: Record<string, string>, cwd = REPO_DIR): Promise<any> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-bun-example-"));
  const script = path.join(dir, "run.ts");
  fs.writeFileSync(script, code);
  // Not spawnSync: it would block this process, and with it the replay server the script talks to.
  const child = spawn(BUN, [script], { cwd, env: { ...process.env, ANOMSTACK_LOG_LEVEL: "error", ...env } });
  let out = "";
  let err = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (err += c));
  const exit = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect(exit, err).toBe(0);
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

const imp = (rel: string) => JSON.stringify(path.join(REPO_DIR, rel));

describe("examples under Bun", () => {
  it("bun is there", () => {
    expect(spawnSync(BUN, ["--version"], { encoding: "utf8" }).status).toBe(0);
  });

  it("yfinance's ingest (cookie, crumb, quote) against the replay", async () => {
    server = await startReplay(exampleRoutes(path.join(EXAMPLES_DIR, "yfinance")));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-bun-yf-"));
    const out = await underBun(
      `import { withJobContext } from ${imp("f/anomstack/stages/run-stage.ts")};
       import { ingestJob } from ${imp("f/anomstack/jobs/ingest.ts")};
       const r = await withJobContext("yfinance", { now: "2024-03-06T10:30:00Z" }, (ctx) => ingestJob(ctx));
       console.log(JSON.stringify({ runtime: typeof Bun === "undefined" ? "node" : "bun", r }));`,
      {
        ANOMSTACK_METRICS_DIR: path.join(REPO_DIR, "metrics"),
        ANOMSTACK_DUCKDB_PATH: path.join(dir, "yf.duckdb"),
        ANOMSTACK_MODEL_PATH: `local://${path.join(dir, "models")}`,
        ANOMSTACK__YFINANCE__DISABLE_BATCH: "false",
        ANOMSTACK_EXAMPLE_YFINANCE_URL: server.url,
        ANOMSTACK_EXAMPLE_YFINANCE_COOKIE_URL: `${server.url}/`,
      },
    );
    expect(out.runtime).toBe("bun");
    expect(out.r).toMatchObject({ job: "ingest", batch: "yfinance", rows: 22, metrics: 22, inserted: 22, warnings: [] });
    expect(server.requests[1].headers.cookie).toBe("A3=d=AQABBExample&S=AQAAAExample");
  });

  it("currency's preprocess_fn in replay, train and score", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-bun-currency-"));
    const out = await underBun(
      `import { withJobContext } from ${imp("f/anomstack/stages/run-stage.ts")};
       import { replayJob } from ${imp("f/anomstack/jobs/replay.ts")};
       import { trainJob } from ${imp("f/anomstack/jobs/train.ts")};
       import { scoreJob } from ${imp("f/anomstack/jobs/score.ts")};
       const day = 86400000, start = Date.UTC(2024, 0, 1);
       const row = (i) => ({ metric_timestamp: new Date(start + i * day), metric_batch: "currency", metric_name: "eur_usd", metric_type: "metric", metric_value: 1.08 * (1 + 0.002 * Math.sin(i)), metadata: "" });
       const at = (i) => new Date(start + i * day).toISOString();
       const replay = await withJobContext("currency", { now: at(49) }, async (ctx) => { await ctx.store.append(Array.from({ length: 50 }, (_, i) => row(i))); return replayJob(ctx); });
       const live = await withJobContext("currency", { now: at(50) }, async (ctx) => { await ctx.store.append([row(50)]); return [await trainJob(ctx), await scoreJob(ctx)]; });
       const { openModelStore } = await import(${imp("f/anomstack/store/model-store.ts")});
       const model = (await openModelStore(${JSON.stringify(`local://${path.join(dir, "models")}`)}).loadModels("currency")).get("eur_usd", "log_return");
       console.log(JSON.stringify({ runtime: typeof Bun === "undefined" ? "node" : "bun", replay, live, columns: model.columns, features: model.features }));`,
      {
        ANOMSTACK_METRICS_DIR: path.join(REPO_DIR, "metrics"),
        ANOMSTACK_DUCKDB_PATH: path.join(dir, "c.duckdb"),
        ANOMSTACK_MODEL_PATH: `local://${path.join(dir, "models")}`,
        ANOMSTACK__CURRENCY__DISABLE_BATCH: "false",
      },
    );
    expect(out.runtime).toBe("bun");
    expect(out.replay).toMatchObject({ job: "replay", metrics: 1, failed: [] });
    expect(out.replay.scored).toBeGreaterThan(0);
    expect(out.live[0]).toMatchObject({ trained: ["eur_usd"], failed: [] });
    expect(out.live[1]).toMatchObject({ scored: 1, failed: [] });
    expect(out.columns).toEqual(["log_return"]);
    expect(out.features).toMatchObject({ log_return_n: 1, preprocess_fn: "preprocess.ts" });
  });

  it("on a worker (no metrics folder), currency's preprocess_fn comes from the generated bundle", async () => {
    // A copy of the repository (f/ and metrics/) whose bundle is generated with currency switched on, as
    // `npm run generate` would write it; the worker's working directory has no metrics folder.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-bun-worker-"));
    fs.cpSync(path.join(REPO_DIR, "f"), path.join(root, "f"), { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });
    fs.cpSync(path.join(REPO_DIR, "metrics"), path.join(root, "metrics"), { recursive: true });
    fs.symlinkSync(path.join(REPO_DIR, "node_modules"), path.join(root, "node_modules"));
    fs.writeFileSync(path.join(root, "package.json"), '{ "type": "module" }\n');
    const metricsDir = path.join(root, "metrics");
    const on = { ANOMSTACK__CURRENCY__DISABLE_BATCH: "false" };
    const { batches } = loadConfig({ metricsDir, env: on });
    for (const [rel, text] of metricsBundle(metricsDir, [batches.get("currency")!], root)) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    }
    const copy = fs.readFileSync(path.join(root, COPIED_DIR, "examples/currency/preprocess.ts"), "utf8");
    expect(copy).toContain('from "../../../../core/batch-api.ts"');
    const work = path.join(root, "work");
    fs.mkdirSync(work);
    const out = await underBun(
      `import { withJobContext } from ${JSON.stringify(path.join(root, "f/anomstack/stages/run-stage.ts"))};
       import { replayJob } from ${JSON.stringify(path.join(root, "f/anomstack/jobs/replay.ts"))};
       import { trainJob } from ${JSON.stringify(path.join(root, "f/anomstack/jobs/train.ts"))};
       import { scoreJob } from ${JSON.stringify(path.join(root, "f/anomstack/jobs/score.ts"))};
       const day = 86400000, start = Date.UTC(2024, 0, 1);
       const row = (i) => ({ metric_timestamp: new Date(start + i * day), metric_batch: "currency", metric_name: "usd_gbp", metric_type: "metric", metric_value: 0.79 * (1 + 0.003 * Math.cos(i)), metadata: "" });
       const at = (i) => new Date(start + i * day).toISOString();
       const r = await withJobContext("currency", { now: at(40) }, async (ctx) => {
         await ctx.store.append(Array.from({ length: 40 }, (_, i) => row(i)));
         const replay = await replayJob(ctx);
         await ctx.store.append([row(40)]);
         return { dir: ctx.cfg.source_dir, replay, train: await trainJob(ctx), score: await scoreJob(ctx) };
       });
       console.log(JSON.stringify(r));`,
      {
        // no ANOMSTACK_METRICS_DIR, and the working directory has no ./metrics: the bundle is the folder
        ANOMSTACK_METRICS_DIR: "",
        ANOMSTACK_DUCKDB_PATH: path.join(work, "w.duckdb"),
        ANOMSTACK_MODEL_PATH: `local://${path.join(work, "models")}`,
        ...on,
      },
      work,
    );
    expect(out.dir).toBe("/anomstack-bundle/metrics/examples/currency");
    expect(out.replay).toMatchObject({ metrics: 1, failed: [] });
    expect(out.train).toMatchObject({ trained: ["usd_gbp"], failed: [] });
    expect(out.score).toMatchObject({ scored: 1, failed: [] });
  });
});
