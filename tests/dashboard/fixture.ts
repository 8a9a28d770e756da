// A small, exact dashboard fixture: a metrics folder (real defaults + four batches) and a DuckDB file
// with every metric type, at times relative to `now` (NOW = 2024-01-01T10:00:00Z unless given).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { closeAllDuckdbInstances, openDuckdbStore } from "../../f/anomstack/store/duckdb/store.ts";
import type { MetricRow, MetricType } from "../../f/anomstack/store/metric-row.ts";
import { seedRows, type SeedBatch } from "../../scripts/dashboard/seed.ts";
import { REPO_DIR } from "../helpers/workspace.ts";

export const NOW = "2024-01-01T10:00:00Z";
/** Time of point k (0..9) of the shop batch: every 10 minutes, k = 9 is `now`. */
export const at = (k: number, now: string = NOW) => new Date(Date.parse(now) - (9 - k) * 600_000);
/** The current time rounded down to 10 minutes (for a server that reads the clock). */
export const liveNow = () => new Date(Math.floor(Date.now() / 600_000) * 600_000).toISOString();
export const EXPLANATION = "Orders jumped to twice the usual level for a Monday morning.";
export const ORDERS_SCORES = [0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.9, 0.8];

export interface Fixture {
  now: string;
  /** Time of point k of the shop batch. */
  at: (k: number) => Date;
  dir: string;
  metricsDir: string;
  duckdbPath: string;
  env: Record<string, string>;
}

function row(batch: string, name: string, type: MetricType, ts: Date, value: number, metadata = ""): MetricRow {
  return { metric_timestamp: ts, metric_batch: batch, metric_name: name, metric_type: type, metric_value: value, metadata };
}

export function fixtureRows(now: string = NOW): MetricRow[] {
  const NOW_MS = Date.parse(now);
  const at = (k: number) => new Date(NOW_MS - (9 - k) * 600_000);
  const rows: MetricRow[] = [];
  for (let k = 0; k < 10; k++) {
    rows.push(row("shop", "orders", "metric", at(k), k + 1));
    if (k < 8) rows.push(row("shop", "orders", "score", at(k), ORDERS_SCORES[k]));
    rows.push(row("shop", "revenue", "metric", at(k), 100 + k * 10));
    rows.push(row("shop", "revenue", "score", at(k), 0.5));
  }
  rows.push(row("shop", "orders", "change", at(3), 1));
  rows.push(row("shop", "orders", "alert", at(6), 1));
  rows.push(row("shop", "orders", "thumbsdown", at(6), 1));
  rows.push(row("shop", "orders", "llmalert", at(7), 1, JSON.stringify({ anomaly_explanation: EXPLANATION })));
  rows.push(row("shop", "orders", "tholdalert", at(8), 1, '{"breach":"upper"}'));
  // a metric that stopped 10 days ago: left out (dashboard_stale_metric_max_days_ago = 7)
  rows.push(row("shop", "legacy", "metric", new Date(NOW_MS - 10 * 86_400_000), 5));
  // ops: three points, the newest an hour old (stale: ingest runs every 10 minutes)
  for (let k = 0; k < 3; k++) rows.push(row("ops", "cpu", "metric", new Date(NOW_MS - 3_600_000 - (2 - k) * 600_000), 0.5 + k / 10));
  rows.push(row("hidden", "x", "metric", at(9), 1));
  return rows;
}

const BATCHES: Record<string, string> = {
  shop: "",
  ops: "",
  empty_batch: "",
  hidden: "disable_dashboard: true\n",
};

/**
 * Write the metrics folder, and the rows unless `empty` (then no DuckDB file exists). `extra` adds
 * realistic seeded batches (scripts/dashboard/seed.ts) beside the exact ones.
 */
export async function makeFixture(opts: { empty?: boolean; now?: string; extra?: SeedBatch[] } = {}): Promise<Fixture> {
  const now = opts.now ?? NOW;
  const batches = { ...BATCHES, ...Object.fromEntries((opts.extra ?? []).map((b) => [b.name, ""])) };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-dashboard-"));
  const metricsDir = path.join(dir, "metrics");
  fs.cpSync(path.join(REPO_DIR, "metrics", "defaults"), path.join(metricsDir, "defaults"), { recursive: true });
  for (const [name, extra] of Object.entries(batches)) {
    fs.mkdirSync(path.join(metricsDir, name));
    fs.writeFileSync(
      path.join(metricsDir, name, `${name}.yaml`),
      `metric_batch: ${name}\ningest_sql: select 1 as metric_value\ningest_cron_schedule: "*/10 * * * *"\n${extra}`,
    );
  }
  const duckdbPath = path.join(dir, "data", "anomstack.duckdb");
  if (!opts.empty) {
    const store = await openDuckdbStore({ path: duckdbPath });
    try {
      await store.append(fixtureRows(now));
      for (const b of opts.extra ?? []) await store.append(seedRows(b, new Date(now)));
    } finally {
      await store.close();
      await closeAllDuckdbInstances();
    }
  }
  return {
    now,
    at: (k) => at(k, now),
    dir,
    metricsDir,
    duckdbPath,
    env: { ANOMSTACK_METRICS_DIR: metricsDir, ANOMSTACK_DUCKDB_PATH: duckdbPath, ANOMSTACK_MODEL_PATH: `local://${path.join(dir, "models")}` },
  };
}

/** Open the store, retrying while another process (a dashboard server) holds the file. */
async function openRetrying(file: string) {
  for (let i = 0; ; i++) {
    try {
      return await openDuckdbStore({ path: file });
    } catch (e) {
      if (i >= 50 || !/locked by another process/.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The feedback rows stored for a metric, oldest first. Releases the file afterwards. */
export async function feedbackRows(f: Fixture, batch: string, metric: string) {
  const store = await openRetrying(f.duckdbPath);
  try {
    const rows = await store.query<{ metric_timestamp: Date; metric_type: string; metric_value: number; metadata: string }>(
      `select metric_timestamp, metric_type, metric_value, metadata from metrics
       where metric_batch = ? and metric_name = ? and metric_type in ('thumbsup', 'thumbsdown') order by metric_timestamp, metric_type`,
      [batch, metric],
    );
    return rows.map((r) => ({ ...r, metric_timestamp: r.metric_timestamp.toISOString() }));
  } finally {
    await store.close();
    await closeAllDuckdbInstances(); // release the file for the server process
  }
}
