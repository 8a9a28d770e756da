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
  /** `not null` of a column, or "" where the dialect has no such constraint (ClickHouse 18.16). */
  readonly notNull: string;
  /** What follows `create table t (...)`: ClickHouse's engine and sort key; "" elsewhere. */
  tableOptions(keyColumns: readonly string[]): string;
  /** A statement deleting the rows of `table` where `condition` holds (ClickHouse: a mutation). */
  deleteWhere(table: string, condition: string): string;
  /** A statement setting `assignments` on the rows of `table` where `condition` holds. */
  updateWhere(table: string, assignments: string, condition: string): string;
  /**
   * True where `updateWhere` / `deleteWhere` report no changed-row count (ClickHouse's mutations):
   * the store's named queries count the matching rows first.
   */
  readonly countsBeforeChange?: boolean;
  /** True where timestamps hold whole seconds (ClickHouse 18.16's DateTime). */
  readonly wholeSeconds?: boolean;
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
    notNull: "not null",
    tableOptions: () => "",
    deleteWhere: (t, c) => `delete from ${t} where ${c}`,
    updateWhere: (t, a, c) => `update ${t} set ${a} where ${c}`,
    ...own,
  };
}
