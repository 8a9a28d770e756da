// A generated pipeline in worker mode against PostgreSQL: a deployer's own batch with `db: postgres`
// (its workspace generated from its metrics folder, served to the workers by the raw-script stand-in),
// the connection coming from a `postgresql` resource inside the settings resource, each step its own
// Bun process in an empty folder (scripts/flow-runner/worker.ts).
import fs from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { plan } from "../../scripts/generate/main.ts";
import { parseFlowYaml, runFlow } from "../../scripts/flow-runner/runner.ts";
import { startWorker, type Worker } from "../../scripts/flow-runner/worker.ts";
import { backfillJob } from "../../f/anomstack/jobs/backfill.ts";
import { withJobContext } from "../../f/anomstack/stages/run-stage.ts";
import { memoryLogger } from "../../f/anomstack/core/log.ts";
import { PG_URL, requirePostgres } from "../helpers/services.ts";
import { makeWorkspace, REPO_DIR, type Workspace } from "../helpers/workspace.ts";

// Each step is a Bun process: on a loaded 2-core machine a whole pipeline takes minutes, not seconds.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const SCHEMA = `anomstack_worker_${process.pid}_${Date.now()}`;
const NOW = new Date("2026-03-01T12:00:00Z");
const INGEST_SQL =
  "select cast({{ now | sql_str }} as timestamp) as metric_timestamp, 'm1' as metric_name, " +
  "(extract(minute from cast({{ now | sql_str }} as timestamp))::int % 7) + 1.5 as metric_value " +
  "union all select cast({{ now | sql_str }} as timestamp), 'm2', (extract(minute from cast({{ now | sql_str }} as timestamp))::int * 3 % 11) + 0.5";

let ws: Workspace;
let worker: Worker;
let files: Map<string, string>;
let settings: Record<string, unknown>;

beforeAll(async () => {
  await requirePostgres();
  ws = makeWorkspace();
  ws.writeBatch("pgflow", `db: postgres\ntable_key: ${SCHEMA}.metrics\ningest_sql: "${INGEST_SQL}"\n`);
  // what the deployer pushes: the workspace generated from their metrics folder (bundle, flows)
  files = plan({ root: REPO_DIR, metricsDir: ws.metricsDir, env: {} }).files;
  await withJobContext(
    "pgflow",
    { env: { ...ws.env, ANOMSTACK_POSTGRES_URL: PG_URL }, now: new Date(NOW.getTime() - 1000), log: memoryLogger() },
    (ctx) => backfillJob(ctx, { periods: 60 }),
  );
  const url = new URL(PG_URL);
  settings = {
    postgresql: {
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      dbname: url.pathname.slice(1),
    },
    env: { ANOMSTACK_MODEL_PATH: `local://${ws.modelsDir}`, ANOMSTACK_DUCKDB_PATH: ws.duckdbPath },
  };
  worker = await startWorker({ root: REPO_DIR, overlay: files, envs: { ANOMSTACK_LOG_LEVEL: "warn" } });
});
afterAll(async () => {
  await worker?.close();
  const c = new pg.Client(PG_URL);
  await c.connect();
  await c.query(`drop schema if exists "${SCHEMA}" cascade`);
  await c.end();
});

describe("a generated pipeline in worker mode on PostgreSQL", () => {
  it("trains, then runs the pipeline, every step in its own Bun process, the data in PostgreSQL", async () => {
    const flow = (job: string) => parseFlowYaml(files.get(`f/anomstack/batches/pgflow/${job}.flow/flow.yaml`)!);
    const resolveResource = async (p: string) => {
      if (p !== "f/anomstack/settings") throw new Error(`no resource ${p}`);
      return settings;
    };
    const args = { now: NOW.toISOString(), settings: "$res:f/anomstack/settings" };
    const opts = { root: REPO_DIR, args, runScript: worker.runScript, resolveResource };
    const trained = await runFlow(flow("train"), opts);
    expect(trained).toEqual([expect.objectContaining({ job: "train", status: "ok", trained: ["m1", "m2"] })]);
    const steps: string[] = [];
    const before = worker.jobs.length;
    await runFlow(flow("pipeline"), { ...opts, onStep: (e) => steps.push(`${e.id}:${e.status}`) });
    const pipeline = files.get("f/anomstack/batches/pgflow/pipeline.flow/flow.yaml")!;
    const ids = [...pipeline.matchAll(/^ {4}- id: (\w+)$/gm)].map((m) => m[1]);
    expect(ids.slice(0, 3)).toEqual(["ingest", "score_plan", "score"]);
    expect(steps.filter((s) => !s.startsWith("score_shard"))).toEqual(ids.map((id) => `${id}:ok`));
    expect(worker.jobs.slice(before).every((j) => j.exitCode === 0)).toBe(true);
    // the steps found their batch in the generated bundle the stand-in served, not on disk
    expect(worker.server.requests).toContainEqual({
      path: "/api/w/anomstack-test/scripts/raw_unpinned/p/f/anomstack/generated/metrics_bundle.ts",
      status: 200,
    });

    const c = new pg.Client(PG_URL);
    await c.connect();
    const { rows } = await c.query(
      `select metric_type, metric_name, count(*)::int as n from "${SCHEMA}".metrics where metric_timestamp = $1 group by 1, 2 order by 1, 2`,
      [NOW],
    );
    await c.end();
    expect(rows).toEqual([
      { metric_type: "metric", metric_name: "m1", n: 1 },
      { metric_type: "metric", metric_name: "m2", n: 1 },
      { metric_type: "score", metric_name: "m1", n: 1 },
      { metric_type: "score", metric_name: "m2", n: 1 },
    ]);
    // nothing went to a DuckDB file
    expect(fs.existsSync(ws.duckdbPath)).toBe(false);
  });
});
