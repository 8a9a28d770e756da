// A generated pipeline in worker mode on Snowflake: a deployer's batch with `db: snowflake`, the login
// coming from a Windmill `snowflake` resource (key-pair) inside the settings resource, each step its own
// Bun process (scripts/flow-runner/worker.ts), against the Snowflake stand-in (tests/standins/).
import crypto from "node:crypto";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { plan } from "../../scripts/generate/main.ts";
import { parseFlowYaml, runFlow } from "../../scripts/flow-runner/runner.ts";
import { startWorker, type Worker } from "../../scripts/flow-runner/worker.ts";
import { backfillJob } from "../../f/anomstack/jobs/backfill.ts";
import { withJobContext } from "../../f/anomstack/stages/run-stage.ts";
import { settingsToEnv } from "../../f/anomstack/config/settings-resource.ts";
import { memoryLogger } from "../../f/anomstack/core/log.ts";
import { makeWorkspace, REPO_DIR, type Workspace } from "../helpers/workspace.ts";
import { SnowflakeStandin } from "../standins/snowflake.ts";

// Every step is a Bun process: on a busy machine the pipeline may take minutes.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 300_000 });

const NOW = new Date("2026-03-01T12:00:00Z");
const INGEST_SQL =
  "select to_timestamp_ntz({{ now | sql_str }}) as metric_timestamp, 'm1' as metric_name, (minute(to_timestamp_ntz({{ now | sql_str }})) % 7) + 1.5 as metric_value " +
  "union all select to_timestamp_ntz({{ now | sql_str }}), 'm2', (minute(to_timestamp_ntz({{ now | sql_str }})) * 3 % 11) + 0.5";
const key = crypto.generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});
const standin = new SnowflakeStandin("wm-account", "ANOMSTACK", "unused", ["ANOMSTACK"], key.publicKey);

let ws: Workspace;
let worker: Worker;
let files: Map<string, string>;
let settings: Record<string, unknown>;

beforeAll(async () => {
  const url = await standin.start();
  await standin.sql(`CREATE SCHEMA "ANOMSTACK"."METRICS"`);
  ws = makeWorkspace();
  ws.writeBatch("sfflow", `db: snowflake\ntable_key: ANOMSTACK.METRICS.METRICS\ningest_sql: "${INGEST_SQL}"\n`);
  files = plan({ root: REPO_DIR, metricsDir: ws.metricsDir, env: {} }).files;
  settings = {
    // what a deployer puts in f/anomstack/settings: the snowflake resource, resolved by Windmill
    snowflake: {
      account_identifier: "wm-account",
      username: "ANOMSTACK",
      private_key: key.privateKey,
      warehouse: "WH",
      database: "ANOMSTACK",
      schema: "METRICS",
    },
    env: { ANOMSTACK_MODEL_PATH: `local://${ws.modelsDir}`, ANOMSTACK_DUCKDB_PATH: ws.duckdbPath, ANOMSTACK_SNOWFLAKE_ACCESS_URL: url },
  };
  await withJobContext(
    "sfflow",
    { env: { ...settingsToEnv(settings as never, {}), ...ws.env }, now: new Date(NOW.getTime() - 1000), log: memoryLogger() },
    (ctx) => backfillJob(ctx, { periods: 60 }),
  );
  worker = await startWorker({ root: REPO_DIR, overlay: files, envs: { ANOMSTACK_LOG_LEVEL: "warn" } });
});
afterAll(async () => {
  await worker?.close();
  await standin.stop();
});

describe("a generated pipeline in worker mode on Snowflake (stand-in)", () => {
  it("trains, then runs the pipeline, every step in its own Bun process, the data in Snowflake", async () => {
    const flow = (job: string) => parseFlowYaml(files.get(`f/anomstack/batches/sfflow/${job}.flow/flow.yaml`) as string);
    const resolveResource = async (p: string) => {
      if (p !== "f/anomstack/settings") throw new Error(`no resource ${p}`);
      return settings;
    };
    const args = { now: NOW.toISOString(), settings: "$res:f/anomstack/settings" };
    const opts = { root: REPO_DIR, args, runScript: worker.runScript, resolveResource };
    expect(await runFlow(flow("train"), opts)).toEqual([expect.objectContaining({ job: "train", status: "ok", trained: ["m1", "m2"] })]);
    const before = worker.jobs.length;
    await runFlow(flow("pipeline"), opts);
    expect(worker.jobs.slice(before).every((j) => j.exitCode === 0)).toBe(true);
    const { rows } = await standin.sql(
      `SELECT metric_type, metric_name, count(*) FROM "ANOMSTACK"."METRICS"."METRICS" WHERE metric_timestamp = TIMESTAMP '2026-03-01 12:00:00' GROUP BY ALL ORDER BY ALL`,
    );
    expect(rows).toEqual([
      ["metric", "m1", "1"],
      ["metric", "m2", "1"],
      ["score", "m1", "1"],
      ["score", "m2", "1"],
    ]);
    // every step logged in with the resource's key (a JWT), never a password; nothing went to DuckDB
    const logins = standin.calls("/session/v1/login-request").map((r) => r.body?.data as Record<string, unknown>);
    expect(logins.length).toBeGreaterThan(2);
    expect(logins.every((d) => d.AUTHENTICATOR === "SNOWFLAKE_JWT" && !("PASSWORD" in d))).toBe(true);
    expect(fs.existsSync(ws.duckdbPath)).toBe(false);
  });
});
