// Opens a batch's metrics store on its `db`: the embedded DuckDB file, or a PostgreSQL database.
// Connection settings come from the environment (locally) or the settings resource (on Windmill).
//nobundling
import type { BatchConfig } from "../config/index.ts";
import { resolveDuckdbLockTimeout, resolveDuckdbPath } from "../config/index.ts";
import { openDuckdbStore } from "./duckdb/store.ts";
import { openPostgresStore, type PostgresConnection } from "./postgres/store.ts";
import { StoreError, type MetricsStore } from "./metrics-store.ts";
import type { Env } from "../core/env.ts";

/**
 * PostgreSQL connection from `ANOMSTACK_POSTGRES_URL`, or `ANOMSTACK_POSTGRES_HOST` / `_PORT` / `_USER`
 * / `_PASSWORD` / `_DATABASE` / `_SSLMODE` (a Windmill `postgresql` resource fills the latter).
 */
export function postgresConnection(env: Env, batch: string): PostgresConnection {
  if (env.ANOMSTACK_POSTGRES_URL) return env.ANOMSTACK_POSTGRES_URL;
  if (!env.ANOMSTACK_POSTGRES_HOST) {
    throw new StoreError(
      `${batch}.db is postgres but no connection is configured: set ANOMSTACK_POSTGRES_URL, or ANOMSTACK_POSTGRES_HOST (with _PORT, _USER, _PASSWORD, _DATABASE), or a postgresql resource in the settings`,
    );
  }
  return {
    host: env.ANOMSTACK_POSTGRES_HOST,
    port: env.ANOMSTACK_POSTGRES_PORT ? Number(env.ANOMSTACK_POSTGRES_PORT) : undefined,
    user: env.ANOMSTACK_POSTGRES_USER,
    password: env.ANOMSTACK_POSTGRES_PASSWORD,
    dbname: env.ANOMSTACK_POSTGRES_DATABASE,
    sslmode: env.ANOMSTACK_POSTGRES_SSLMODE,
  };
}

/** The batch's metrics store. `duckdbPath` overrides ANOMSTACK_DUCKDB_PATH for DuckDB batches. */
export async function openMetricsStore(cfg: BatchConfig, env: Env, duckdbPath?: string): Promise<MetricsStore> {
  switch (cfg.db) {
    case "duckdb":
      return openDuckdbStore({
        path: duckdbPath ?? resolveDuckdbPath(env),
        tableKey: cfg.table_key,
        lockTimeoutSeconds: resolveDuckdbLockTimeout(env),
      });
    case "postgres":
      return openPostgresStore({ connection: postgresConnection(env, cfg.metric_batch), tableKey: cfg.table_key });
    default:
      throw new StoreError(`${cfg.metric_batch}.db: "${cfg.db}" is not supported yet (supported: duckdb, postgres)`);
  }
}
