// The contract every metrics store implements: one folder per database (`duckdb/`, `postgres/`,
// `sqlite/`, `clickhouse/`, ...) with its connection, its dialect (`dialect.ts`) and its store.
//nobundling
import type { MetricRow } from "./metric-row.ts";
import { sqlIdent } from "../config/sql-filters.ts";
import { tableKeyParts, type DialectName } from "../config/sql-dialect.ts";
import type { SqlDialect } from "./dialect.ts";

export type QueryRow = Record<string, unknown>;

/** Raised for store problems: open, lock, permissions, bad rows. The message names the file or table. */
export class StoreError extends Error {
  override name = "StoreError";
}

/**
 * A `table_key` as a quoted SQL identifier of `dialect`: `tmp.metrics` → `"tmp"."metrics"` (the
 * templates' `sql_ident` filter), limited to the dialect's shapes (`table` or `schema.table` on DuckDB).
 * @throws StoreError naming the key and the shapes the dialect takes.
 */
export function quoteTableKey(tableKey: string, dialect: DialectName = "duckdb"): string {
  try {
    tableKeyParts(tableKey, dialect);
  } catch (e) {
    throw new StoreError((e as Error).message);
  }
  return sqlIdent(tableKey, dialect);
}

/** The long-format metrics table of one (database, table_key). */
export interface MetricsStore {
  /** SQL dialect of the queries this store runs. */
  readonly dialect: DialectName;
  /**
   * The store's own SQL dialect (dialect.ts), when it brings one; otherwise that of its database's
   * folder is used (`sqlOf` in dialects.ts). The named queries (queries.ts) and the outbox use it.
   */
  readonly sql?: SqlDialect;
  /** Where the data lives (a file path), for messages. */
  readonly location: string;
  /** The table key as configured, e.g. `metrics` or `tmp.metrics`. */
  readonly tableKey: string;
  /**
   * Run a read query. Timestamps come back as `Date` (UTC), integers as `number`.
   * @param params positional `?` parameters.
   */
  query<T = QueryRow>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Run a statement and return the number of rows it changed. */
  exec(sql: string, params?: unknown[]): Promise<number>;
  /**
   * Append rows atomically. A row whose (timestamp, batch, name, type) is already stored, or repeated
   * within `rows`, is skipped, so running a job twice never duplicates anything.
   * @returns the number of rows actually inserted.
   */
  append(rows: readonly MetricRow[]): Promise<number>;
  /** Run `fn` in one transaction: all its writes are committed together, or none if it throws. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Release the connection (the file stays open for other stores of this process). */
  close(): Promise<void>;
}
