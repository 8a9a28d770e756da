// SQL quoting filters registered in the template environment: sql_str (string literal),
// sql_list (comma list of string literals) and sql_ident (quoted, dotted identifiers), each in the
// batch's dialect (doubled quotes, or backslash escapes on ClickHouse / BigQuery / Snowflake; backticks
// for BigQuery identifiers).
//nobundling
import { quoteIdentPart, quoteString, type DialectName } from "./sql-dialect.ts";

function scalarText(value: unknown, filter: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  const got = value === null ? "null" : value === undefined ? "undefined (is the variable defined?)" : Array.isArray(value) ? "a list" : typeof value;
  throw new Error(`${filter}: expected a string, got ${got}`);
}

/** `it's` -> `'it''s'`: a SQL single-quoted string literal. Numbers/booleans are quoted as text. */
export function sqlStr(value: unknown, dialect: DialectName = "duckdb"): string {
  return quoteString(scalarText(value, "sql_str"), dialect);
}

/**
 * `["a", "b'c"]` -> `'a', 'b''c'` for `x in (...)`. An empty list throws, because `x not in (NULL)`
 * is never true in SQL: guard the clause with `{% if list %}` instead.
 */
export function sqlList(value: unknown, dialect: DialectName = "duckdb"): string {
  if (!Array.isArray(value)) {
    const got = value === undefined ? "undefined (is the variable defined?)" : value === null ? "null" : typeof value;
    throw new Error(`sql_list: expected a list, got ${got}`);
  }
  if (value.length === 0) {
    throw new Error("sql_list: the list is empty; guard the clause with {% if <list> %} instead of rendering an empty list");
  }
  return value.map((v) => quoteString(scalarText(v, "sql_list"), dialect)).join(", ");
}

/** `main.metrics` -> `"main"."metrics"` (`` `main`.`metrics` `` on BigQuery): each dot-separated part quoted. */
export function sqlIdent(value: unknown, dialect: DialectName = "duckdb"): string {
  const text = scalarText(value, "sql_ident");
  const parts = text.split(".");
  if (parts.some((p) => p.trim() === "")) throw new Error(`sql_ident: invalid identifier "${text}" (empty part)`);
  return parts.map((p) => quoteIdentPart(p, dialect)).join(".");
}
