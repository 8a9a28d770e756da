// The dialect contract: the SQL that differs between the databases behind the metrics store (column
// types, idempotent inserts, quoting, timestamp literals, date arithmetic, epoch). Each database folder
// (`duckdb/`, `postgres/`, `sqlite/`, `clickhouse/`, ...) has a `dialect.ts` with its own; the store's named
// queries (`queries.ts`), the outbox and the default templates' macros are written against it, so a new
// database gets them by describing its dialect.
//nobundling
import { quoteIdentPart, quoteString, tableKeyParts, type DialectName } from "../config/sql-dialect.ts";

export type { DialectName } from "../config/sql-dialect.ts";

export interface SqlDialect {
  readonly name: DialectName;
  /** Column types of the metrics and outbox tables. */
  readonly types: { text: string; int: string; double: string; timestamp: string };
  /**
   * How a plain `insert ... values` skips a row whose key is already stored: a conflict clause after it
   * (`on conflict do nothing`, for dialects that enforce primary keys), or undefined when the store must
   * check with `where not exists` (no enforced keys: ClickHouse, BigQuery, Snowflake).
   */
  readonly onConflictDoNothing?: string;
  /** Whether `create table` can declare the primary key that the conflict clause relies on. */
  readonly primaryKeys: boolean;
  /** A quoted identifier part. */
  ident(part: string): string;
  /** A string literal. */
  str(text: string): string;
  /** The timestamp (UTC) written as `text` ('YYYY-MM-DD HH:MM:SS[.SSS]'), as an expression; `text` may be `?`. */
  timestamp(text: string): string;
  /** `expr` (a timestamp expression) minus `days` days. */
  minusDays(expr: string, days: number): string;
  /** Seconds since the epoch of a timestamp expression. */
  epochSeconds(expr: string): string;
}

/** `table_key` quoted for `dialect`, after checking its shape. @throws Error naming the key and the shapes. */
export function quoteTable(dialect: SqlDialect, tableKey: string): string {
  return tableKeyParts(tableKey, dialect.name)
    .map((p) => dialect.ident(p))
    .join(".");
}

/** The parts of a dialect every SQL dialect shares (ANSI quoting, `cast(... as timestamp)`), with overrides. */
export function standardDialect(name: DialectName, own: Partial<SqlDialect> = {}): SqlDialect {
  return {
    name,
    types: { text: "VARCHAR", int: "INTEGER", double: "DOUBLE", timestamp: "TIMESTAMP" },
    primaryKeys: false,
    ident: (p) => quoteIdentPart(p, name),
    str: (t) => quoteString(t, name),
    timestamp: (t) => `cast(${t} as timestamp)`,
    minusDays: (e, d) => `${e} - interval '${d} day'`,
    epochSeconds: (e) => `extract(epoch from ${e})`,
    ...own,
  };
}
