// Test workspace for jobs: a temp metrics folder holding the real defaults (YAML + SQL), a DuckDB file,
// a model folder, a recording alert channel and an in-memory logger.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadBatch, type BatchConfig } from "../../f/anomstack/config/index.ts";
import { openJobContext, type JobContext } from "../../f/anomstack/jobs/job-context.ts";
import { memoryLogger } from "../../f/anomstack/core/log.ts";
import type { Alert, AlertChannel } from "../../f/anomstack/alerts/channel.ts";
import type { MetricRow } from "../../f/anomstack/store/metric-row.ts";

export const REPO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface Workspace {
  dir: string;
  metricsDir: string;
  duckdbPath: string;
  modelsDir: string;
  env: Record<string, string>;
  /** Write `<metricsDir>/<name>/<name>.yaml` (model_path points into the workspace). */
  writeBatch(name: string, yaml: string): void;
  writeFile(rel: string, content: string): string;
  load(name: string): BatchConfig;
  /** A job context with a recording channel (every new alert) plus `channels` (alert_methods names them). */
  open(name: string, now: Date, opts?: { cfg?: BatchConfig; channels?: AlertChannel[] }): Promise<TestContext>;
}

export interface TestContext extends JobContext {
  sent: Alert[];
  logLines: { level: string; msg: string }[];
}

export function makeWorkspace(): Workspace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-jobs-"));
  const metricsDir = path.join(dir, "metrics");
  // ingest_fn modules are ES modules: Node (through tsx) needs the nearest package.json to say so.
  fs.writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n');
  fs.cpSync(path.join(REPO_DIR, "metrics", "defaults"), path.join(metricsDir, "defaults"), { recursive: true });
  const duckdbPath = path.join(dir, "data", "test.duckdb");
  const modelsDir = path.join(dir, "models");
  const env = { ANOMSTACK_METRICS_DIR: metricsDir, ANOMSTACK_DUCKDB_PATH: duckdbPath, ANOMSTACK_MODEL_PATH: `local://${modelsDir}` };
  const writeFile = (rel: string, content: string) => {
    const full = path.join(metricsDir, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
    return full;
  };
  const ws: Workspace = {
    dir,
    metricsDir,
    duckdbPath,
    modelsDir,
    env,
    writeFile,
    writeBatch: (name, yaml) => void writeFile(`${name}/${name}.yaml`, `metric_batch: ${name}\n${yaml}`),
    load: (name) => loadBatch(name, { metricsDir, env }),
    async open(name, now, opts = {}) {
      const log = memoryLogger();
      const sent: Alert[] = [];
      // Gets every new alert (like the console channel), whatever alert_methods says.
      const recorder: AlertChannel = { name: "recorder", everyAlert: true, send: async (n) => void (n.alert && sent.push(n.alert)) };
      const ctx = await openJobContext(opts.cfg ?? ws.load(name), {
        env: { ...process.env, ...env },
        duckdbPath,
        now,
        log,
        channels: [recorder, ...(opts.channels ?? [])],
      });
      return Object.assign(ctx, { sent, logLines: log.lines });
    },
  };
  return ws;
}

/** Metric rows for `values`, one every `stepMs` ending at `end` (inclusive). */
export function seriesRows(batch: string, metric: string, values: number[], end: Date, stepMs = 300_000): MetricRow[] {
  return values.map((v, i) => ({
    metric_timestamp: new Date(end.getTime() - (values.length - 1 - i) * stepMs),
    metric_batch: batch,
    metric_name: metric,
    metric_type: "metric",
    metric_value: v,
    metadata: "",
  }));
}

/** Deterministic noise in [0, 1): a fixed pseudo-random sequence, so tests are repeatable. */
export function noise(n: number, seed = 1): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  });
}

/** Rows of one type stored for a batch, oldest first. */
export async function storedRows(
  ctx: JobContext,
  type: string,
): Promise<{ metric_timestamp: Date; metric_name: string; metric_value: number; metadata: string }[]> {
  return ctx.store.query(
    `select metric_timestamp, metric_name, metric_value, metadata from "${ctx.store.tableKey}"
     where metric_batch = ? and metric_type = ? order by metric_name, metric_timestamp`,
    [ctx.cfg.metric_batch, type],
  );
}
