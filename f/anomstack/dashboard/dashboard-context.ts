// What every dashboard script starts from: environment, `now`, the batches shown, a batch's store.
// The environment comes from the settings resource (Windmill) or the process env (local).
// The metrics folder bundled for Windmill workers (used when there is no ./metrics folder).
//nobundling
import "../generated/metrics_bundle.ts";
import fs from "node:fs";
import { loadConfig, resolveDuckdbPath, type BatchConfig } from "../config/index.ts";
import { openDuckdbStore } from "../store/duckdb/store.ts";
import { duckdbLockTimeoutMs, openMetricsStore } from "../store/open.ts";
import type { MetricsStore } from "../store/metrics-store.ts";
import { settingsToEnv, type C_anomstack_settings } from "../config/settings-resource.ts";
import { DashboardInputError } from "./errors.ts";
import { parseNow, truncateToSecond } from "../core/time.ts";
import type { Env } from "../core/env.ts";

/** Options every dashboard entry point takes (the Windmill scripts pass their parameters through). */
export interface DashboardOptions {
  /** ISO time the window ends at; "" or undefined = the current time. */
  now?: string | Date;
  /** The Windmill settings resource, overlaid on `env`. */
  settings?: C_anomstack_settings | null;
  /** Base environment (default process.env). */
  env?: Env;
}

export interface DashboardScope {
  env: Env;
  now: Date;
  /** The batches the dashboard shows (enabled, not `disable_dashboard`), by name, sorted. */
  batches: Map<string, BatchConfig>;
  /** Enabled batches left out with `disable_dashboard`. */
  hidden: string[];
  /** The DuckDB file of the metrics table. */
  duckdbPath: string;
}

/** Parse `now` ("" = the current time, to the second; an ISO string without zone is UTC). */
export function dashboardNow(now: unknown): Date {
  if (now instanceof Date) return now;
  if (now !== undefined && now !== null && typeof now !== "string")
    throw new DashboardInputError("now", `expected an ISO timestamp string, got ${typeof now}`);
  try {
    return truncateToSecond(parseNow(now));
  } catch (e) {
    throw new DashboardInputError("now", (e as Error).message.replace(/^now: /, ""));
  }
}

/** Load the config and list the batches the dashboard shows. */
export function dashboardScope(opts: DashboardOptions = {}): DashboardScope {
  const env = settingsToEnv(opts.settings, opts.env ?? process.env);
  const now = dashboardNow(opts.now);
  const loaded = loadConfig({ env, skipBroken: true });
  const batches = new Map<string, BatchConfig>();
  const hidden: string[] = [];
  for (const [name, cfg] of loaded.batches) {
    if (cfg.disable_dashboard) hidden.push(name);
    else batches.set(name, cfg);
  }
  return { env, now, batches, hidden, duckdbPath: resolveDuckdbPath(env) };
}

/** The config of a batch the dashboard shows, or a DashboardInputError naming `field`. */
export function dashboardBatch(scope: DashboardScope, batch: unknown, field = "batch"): BatchConfig {
  if (typeof batch !== "string" || batch.trim() === "") throw new DashboardInputError(field, "expected the name of a metric batch");
  const cfg = scope.batches.get(batch);
  if (cfg) return cfg;
  const known = [...scope.batches.keys()];
  throw new DashboardInputError(
    field,
    `unknown batch "${batch.slice(0, 80)}"; the dashboard shows ${known.length ? known.map((b) => `"${b}"`).join(", ") : "no batch"}`,
  );
}

/**
 * Run `fn` with the batch's metrics store (on its own `db`); with `null` when its DuckDB file does not
 * exist yet (an empty store: reading must not create it). The store is closed afterwards.
 */
/**
 * A page does not wait for a DuckDB file a job holds unless ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS says
 * so: the local dashboard server retries briefly and answers "busy" (scripts/dashboard/server.ts).
 */
function dashboardLockWaitMs(scope: DashboardScope, cfg: BatchConfig): number {
  return scope.env.ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS ? duckdbLockTimeoutMs(scope.env, cfg.metric_batch) : 0;
}

export async function withBatchStore<T>(scope: DashboardScope, cfg: BatchConfig, fn: (store: MetricsStore | null) => Promise<T>): Promise<T> {
  const localDuckdb = cfg.db === "duckdb" && !/^(md|motherduck):/i.test(scope.duckdbPath);
  if (localDuckdb && scope.duckdbPath !== ":memory:" && !fs.existsSync(scope.duckdbPath)) return fn(null);
  // each batch is read from its own store (PostgreSQL, SQLite, ClickHouse, ...), DuckDB's file included
  const store = localDuckdb
    ? await openDuckdbStore({ path: scope.duckdbPath, tableKey: cfg.table_key, lockTimeoutMs: dashboardLockWaitMs(scope, cfg) })
    : await openMetricsStore(cfg, scope.env);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
