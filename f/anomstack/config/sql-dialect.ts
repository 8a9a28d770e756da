// The SQL dialects a batch's `db` speaks, and what differs in the quoting that templates and stores share:
// identifiers, string literals, and which `table_key` shapes each one accepts.
//nobundling
import type { DB_TYPES } from "./schema.ts";

type DbType = (typeof DB_TYPES)[number];

export const DIALECTS = ["duckdb", "postgres", "sqlite", "clickhouse", "bigquery", "snowflake"] as const;
export type DialectName = (typeof DIALECTS)[number];

/** The dialect of a `db`: MotherDuck is DuckDB, Turso is SQLite. */
export function dialectOfDb(db: DbType | string): DialectName {
  if (db === "motherduck") return "duckdb";
  if ((DIALECTS as readonly string[]).includes(db)) return db as DialectName;
  throw new Error(`db "${db}" has no SQL dialect (known: ${DIALECTS.join(", ")}, motherduck)`);
}

/** The `table_key` shapes each dialect takes, as the number of dot-separated parts, with their names. */
export const TABLE_KEY_SHAPES: Record<DialectName, readonly string[]> = {
  duckdb: ["table", "schema.table"],
  postgres: ["table", "schema.table"],
  sqlite: ["table"],
  clickhouse: ["table", "database.table"],
  bigquery: ["dataset.table", "project.dataset.table"],
  snowflake: ["table", "schema.table", "database.schema.table"],
};

/** The parts of `tableKey`, checked against the dialect's shapes. @throws Error naming the key and the shapes. */
export function tableKeyParts(tableKey: string, dialect: DialectName): string[] {
  const parts = tableKey.split(".");
  const shapes = TABLE_KEY_SHAPES[dialect];
  const fits = shapes.some((s) => s.split(".").length === parts.length);
  if (!fits || parts.some((p) => p.trim() === "")) {
    throw new Error(`table_key "${tableKey}" must be ${shapes.map((s) => `"${s}"`).join(" or ")} on ${dialect}`);
  }
  return parts;
}

/** Dialects whose string literals treat a backslash as an escape character (so it is doubled). */
const BACKSLASH_ESCAPES: ReadonlySet<DialectName> = new Set(["clickhouse", "bigquery", "snowflake"]);

/** `it's` as a string literal of the dialect: `'it''s'`, or `'it\'s'` where backslashes escape. */
export function quoteString(text: string, dialect: DialectName = "duckdb"): string {
  if (BACKSLASH_ESCAPES.has(dialect)) return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  return `'${text.replace(/'/g, "''")}'`;
}

/** One identifier part: `"a""b"`, or `` `a\`b` `` on BigQuery (its quoted identifiers use backticks). */
export function quoteIdentPart(part: string, dialect: DialectName = "duckdb"): string {
  if (dialect === "bigquery") return `\`${part.replace(/\\/g, "\\\\").replace(/`/g, "\\`")}\``;
  if (dialect === "clickhouse") return `"${part.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  return `"${part.replace(/"/g, '""')}"`;
}
