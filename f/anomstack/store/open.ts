// Opens a batch's metrics store on its `db`: each database has its folder here (connection settings,
// dialect, store); this picks the folder. Connection settings come from the environment (locally) or the
// settings resource (on Windmill), never logged.
//nobundling
import { dialectOfDb, tableKeyParts, type BatchConfig } from "../config/index.ts";
import { duckdbConnection } from "./duckdb/connection.ts";
import { openDuckdbReader, openDuckdbStore } from "./duckdb/store.ts";
import { postgresConnection } from "./postgres/connection.ts";
import { openPostgresStore } from "./postgres/store.ts";
import { clickhouseConnection } from "./clickhouse/connection.ts";
import { sqliteConnection } from "./sqlite/connection.ts";
import { bigqueryConnection } from "./bigquery/connection.ts";
import { snowflakeConnection } from "./snowflake/connection.ts";
import { StoreError, type MetricsStore } from "./metrics-store.ts";
import type { Env } from "../core/env.ts";

export { postgresConnection } from "./postgres/connection.ts";

/** Default wait for a DuckDB file another process holds (Windmill runs each step in its own process). */
export const DEFAULT_DUCKDB_LOCK_TIMEOUT_SECONDS = 60;

/** ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS in ms (0 = fail at once). @throws StoreError for a bad value. */
export function duckdbLockTimeoutMs(env: Env, batch: string): number {
  const raw = env.ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS;
  if (raw === undefined || raw === "") return DEFAULT_DUCKDB_LOCK_TIMEOUT_SECONDS * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new StoreError(`${batch}: ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS must be a number of seconds >= 0, got "${raw}"`);
  }
  return seconds * 1000;
}

/**
 * The batch's metrics store. `duckdbPath` overrides ANOMSTACK_DUCKDB_PATH for DuckDB batches; `readOnly`
 * (jobs that only read: plot, summary) opens a DuckDB file read-only when it and its table exist.
 */
export async function openMetricsStore(cfg: BatchConfig, env: Env, duckdbPath?: string, opts: { readOnly?: boolean } = {}): Promise<MetricsStore> {
  const tableKey = cfg.table_key;
  try {
    tableKeyParts(tableKey, dialectOfDb(cfg.db));
  } catch (e) {
    throw new StoreError(`${cfg.metric_batch}.${(e as Error).message}`);
  }
  switch (cfg.db) {
    case "duckdb":
    case "motherduck": {
      const conn = duckdbConnection(env, cfg.db, cfg.metric_batch, duckdbPath);
      const duckdbOpts = {
        path: conn.path,
        motherduckToken: conn.motherduckToken,
        tableKey,
        lockTimeoutMs: duckdbLockTimeoutMs(env, cfg.metric_batch),
      };
      // A reader of a file or table that does not exist yet gets the (created, empty) table, as before.
      return (opts.readOnly ? await openDuckdbReader(duckdbOpts) : null) ?? openDuckdbStore(duckdbOpts);
    }
    case "postgres":
      return openPostgresStore({ connection: postgresConnection(env, cfg.metric_batch), tableKey });
    // The clients of the other databases load only for their batches: snowflake-sdk (with the AWS SDK it
    // brings) takes seconds and ~50 MB to load, libsql and the ClickHouse client 0.1 s of CPU, which every
    // step of every other batch (and every CLI command) would pay. A dynamic import of a relative .ts goes
    // through the same resolver on Windmill's Bun workers (loader.bun.js) as a static one.
    case "sqlite": {
      const connection = sqliteConnection(env);
      const { openSqliteStore } = await import("./sqlite/store.ts");
      return openSqliteStore({ connection, tableKey });
    }
    case "clickhouse": {
      const connection = clickhouseConnection(env);
      const { openClickhouseStore } = await import("./clickhouse/store.ts");
      return openClickhouseStore({ connection, tableKey });
    }
    case "bigquery": {
      const connection = bigqueryConnection(env, cfg.metric_batch);
      const { openBigqueryStore } = await import("./bigquery/store.ts");
      return openBigqueryStore({ connection, tableKey, batch: cfg.metric_batch });
    }
    case "snowflake": {
      const connection = snowflakeConnection(env, cfg.metric_batch);
      const { openSnowflakeStore } = await import("./snowflake/store.ts");
      return openSnowflakeStore({ connection, tableKey, batch: cfg.metric_batch });
    }
    default:
      throw new StoreError(
        `${cfg.metric_batch}.db: "${cfg.db}" is not a database Anomstack knows (known: duckdb, motherduck, postgres, sqlite, clickhouse, bigquery, snowflake)`,
      );
  }
}
