// The contract every metrics store implements: one folder per database (`duckdb/`, `postgres/`,
// `sqlite/`, `clickhouse/`, ...) with its connection, its dialect (`dialect.ts`) and its store.
//nobundling
import type { MetricColumns, MetricRow, MetricType } from "./metric-row.ts";
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

/** A result column by column: `columns[name][i]` is row i's value; timestamps are epoch milliseconds. */
export interface QueryColumns {
  rowCount: number;
  columns: Record<string, unknown[]>;
}

/**
 * Run a read query and get its result column by column (the jobs read hundreds of thousands of rows:
 * columns cost a fraction of row objects). Stores without a columnar read have their rows turned into columns.
 */
export async function queryColumns(store: MetricsStore, sql: string, params?: unknown[]): Promise<QueryColumns> {
  if (store.queryColumns) return store.queryColumns(sql, params);
  const rows = await store.query(sql, params);
  const columns: Record<string, unknown[]> = {};
  rows.forEach((r, i) => {
    for (const [k, v] of Object.entries(r)) {
      (columns[k] ??= new Array(rows.length).fill(null))[i] = v instanceof Date ? v.getTime() : v;
    }
  });
  return { rowCount: rows.length, columns };
}

/**
 * Append rows of one batch and type given as columns, exactly as {@link MetricsStore.append} appends
 * them (skipping stored and repeated points). Stores without a columnar append get row objects.
 */
export async function appendColumns(store: MetricsStore, batch: string, type: MetricType, columns: MetricColumns): Promise<number> {
  if (store.appendColumns) return store.appendColumns(batch, type, columns);
  return store.append(
    columns.metric_timestamp.map((t, i) => ({
      metric_timestamp: new Date(t),
      metric_batch: batch,
      metric_name: columns.metric_name[i],
      metric_type: type,
      metric_value: columns.metric_value[i],
      metadata: columns.metadata[i],
    })),
  );
}

/** {@link queryColumns} in chunks, each handed to `onChunk` (the whole result as one chunk where the store has no streaming read). */
export async function streamColumns(
  store: MetricsStore,
  sql: string,
  params: unknown[] | undefined,
  onChunk: (chunk: QueryColumns) => void,
): Promise<void> {
  if (store.streamColumns) return store.streamColumns(sql, params, onChunk);
  const all = await queryColumns(store, sql, params);
  if (all.rowCount > 0) onChunk(all);
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
  /** Optional: {@link query} column by column (see {@link queryColumns}, which falls back to `query`). */
  queryColumns?(sql: string, params?: unknown[]): Promise<QueryColumns>;
  /** Optional: {@link queryColumns} a chunk at a time (see {@link streamColumns}). */
  streamColumns?(sql: string, params: unknown[] | undefined, onChunk: (chunk: QueryColumns) => void): Promise<void>;
  /** Run a statement and return the number of rows it changed. */
  exec(sql: string, params?: unknown[]): Promise<number>;
  /**
   * Append rows atomically. A row whose (timestamp, batch, name, type) is already stored, or repeated
   * within `rows`, is skipped, so running a job twice never duplicates anything.
   * @returns the number of rows actually inserted.
   */
  append(rows: readonly MetricRow[]): Promise<number>;
  /** Optional: {@link append} of one batch and type given as columns (see {@link appendColumns}). */
  appendColumns?(batch: string, type: MetricType, columns: MetricColumns): Promise<number>;
  /**
   * Optional: {@link appendColumns} of what `wrangle` makes of a read query's rows, handed over a chunk
   * at a time in the query's order, so that a big result (a cold ingest) is never held at once. `done`
   * runs after the last chunk, before anything is stored; if it throws, nothing is.
   * @returns the number of rows actually inserted.
   */
  appendFromQuery?(sql: string, batch: string, type: MetricType, wrangle: (chunk: QueryColumns) => MetricColumns, done: () => void): Promise<number>;
  /** Run `fn` in one transaction: all its writes are committed together, or none if it throws. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Release the connection (the file stays open for other stores of this process). */
  close(): Promise<void>;
}
