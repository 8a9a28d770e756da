// Shared by the BigQuery and Snowflake stand-ins: an in-memory DuckDB the translated SQL runs on, a
// tokenizer that rewrites only the words, quotes and literals outside strings, and value conversion.
import { DuckDBInstance, type DuckDBConnection, type DuckDBType } from "@duckdb/node-api";

/** One in-memory DuckDB with a catalog per project/database, and a connection per session. */
export async function memoryDuckdb(): Promise<DuckDBInstance> {
  return DuckDBInstance.create(":memory:");
}

/** A token of SQL text: a quoted piece (string or identifier) or the text between. */
export type Token = { kind: "single" | "double" | "backtick" | "text"; text: string };

/**
 * Split SQL into quoted pieces and the rest. `backslash`: strings take \ escapes (GoogleSQL, Snowflake);
 * `doubling`: a doubled quote is one quote (standard SQL, Snowflake). `--` comments stay in the text.
 */
export function tokenize(sql: string, opts: { backslash: boolean; doubling: boolean }): Token[] {
  const out: Token[] = [];
  let text = "";
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const stop = end < 0 ? sql.length : end;
      text += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") {
      if (text) out.push({ kind: "text", text });
      text = "";
      let j = i + 1;
      let body = "";
      for (;;) {
        if (j >= sql.length) throw new Error(`unclosed ${c} quote at character ${i + 1}`);
        const d = sql[j];
        if (opts.backslash && d === "\\" && c !== "`") {
          body += sql[j + 1];
          j += 2;
          continue;
        }
        if (d === c) {
          if (opts.doubling && sql[j + 1] === c) {
            body += c;
            j += 2;
            continue;
          }
          break;
        }
        body += d;
        j++;
      }
      out.push({ kind: c === "'" ? "single" : c === '"' ? "double" : "backtick", text: body });
      i = j + 1;
      continue;
    }
    text += c;
    i++;
  }
  if (text) out.push({ kind: "text", text });
  return out;
}

/** DuckDB spelling of a string literal / identifier. */
export const duckString = (s: string) => `'${s.replace(/'/g, "''")}'`;
export const duckIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** A query's result in a neutral shape: column names and DuckDB types, rows as text (null kept). */
export interface Result {
  columns: { name: string; type: string }[];
  rows: (string | null)[][];
  /** Rows changed by DML (MERGE reports its count as a row). */
  changed: number;
  statement: "select" | "insert" | "update" | "delete" | "merge" | "ddl" | "other";
}

/** Run one statement and read it back as text values (timestamps as epoch microseconds). */
export async function runOn(con: DuckDBConnection, sql: string, params: unknown[]): Promise<Result> {
  const reader = await con.runAndReadAll(sql, params as never);
  const types = reader.columnTypes();
  const columns = reader.columnNames().map((name, i) => ({ name, type: types[i].toString() }));
  const rows = reader.getRows().map((r) => r.map((v, i) => textOf(v, types[i])));
  // DuckDB's StatementType numbers (duckdb.h): SELECT 1, INSERT 2, UPDATE 3, DELETE 5, CREATE 7, ALTER 9, DROP 15, MERGE 30.
  const KINDS: Record<number, Result["statement"]> = {
    1: "select",
    2: "insert",
    3: "update",
    5: "delete",
    7: "ddl",
    9: "ddl",
    15: "ddl",
    30: "merge",
  };
  const statement = KINDS[Number(reader.statementType)] ?? "other";
  const changed = statement === "merge" ? Number(rows[0]?.[0] ?? 0) : reader.rowsChanged;
  return { columns, rows: statement === "select" ? rows : [], changed, statement };
}

function textOf(v: unknown, type: DuckDBType): string | null {
  if (v === null || v === undefined) return null;
  const t = type.toString();
  if (t.startsWith("TIMESTAMP")) return String((v as { micros: bigint }).micros);
  if (t === "DATE") return String(v);
  return String(v);
}

/** DuckDB's `rowsChanged`-style run for statements whose result is not needed. */
export async function execOn(con: DuckDBConnection, sql: string): Promise<void> {
  await con.run(sql);
}
