// Run a shipped example's ingest job (switched on for the test) from the repository's metrics folder, into
// a temp DuckDB file, and read back what it stored.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { batchEnvName, loadBatch, type BatchConfig } from "../../../f/anomstack/config/index.ts";
import { ingestJob, type IngestResult } from "../../../f/anomstack/jobs/ingest.ts";
import { closeJobContext, openJobContext } from "../../../f/anomstack/jobs/job-context.ts";
import { memoryLogger } from "../../../f/anomstack/core/log.ts";
import type { Env } from "../../../f/anomstack/core/env.ts";
import { REPO_DIR } from "../../helpers/workspace.ts";

export const METRICS_DIR = path.join(REPO_DIR, "metrics");
export const EXAMPLES_DIR = path.join(METRICS_DIR, "examples");

/** The env that switches example `batch` on (examples are off by default), plus `extra`. */
export function exampleEnv(batch: string, extra: Env = {}): Env {
  return { [`ANOMSTACK__${batchEnvName(batch)}__DISABLE_BATCH`]: "false", ...extra };
}

/** The example's config as the loader gives it when switched on. */
export function loadExample(batch: string, extra: Env = {}): BatchConfig {
  return loadBatch(batch, { metricsDir: METRICS_DIR, env: exampleEnv(batch, extra) });
}

export interface StoredRow {
  metric_timestamp: Date;
  metric_name: string;
  metric_value: number;
}

/** Ingest once at `now` and return the job's result and the stored rows (sorted by name). */
export async function runExampleIngest(
  batch: string,
  now: Date,
  extra: Env = {},
): Promise<{ result: IngestResult; rows: StoredRow[]; log: string[] }> {
  const env = exampleEnv(batch, extra);
  const cfg = loadBatch(batch, { metricsDir: METRICS_DIR, env });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `anomstack-example-${batch}-`));
  const log = memoryLogger();
  const ctx = await openJobContext(cfg, { env, duckdbPath: path.join(dir, "example.duckdb"), now, log, channels: [] });
  try {
    const result = await ingestJob(ctx);
    const rows = await ctx.store.query<StoredRow>(
      `select metric_timestamp, metric_name, metric_value from "${cfg.table_key.split(".").join('"."')}" where metric_batch = ? order by metric_name, metric_timestamp`,
      [cfg.metric_batch],
    );
    return { result, rows, log: log.lines.map((l) => `${l.level} ${l.msg}`) };
  } finally {
    await closeJobContext(ctx);
  }
}

/** Stored rows as { name: value }. */
export function byName(rows: readonly StoredRow[]): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [r.metric_name, r.metric_value]));
}
