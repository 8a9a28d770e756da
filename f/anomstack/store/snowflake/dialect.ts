// The SQL that is Snowflake's own: "DATABASE"."SCHEMA"."TABLE" names (quoted, so their case is kept as
// written: Snowflake stores unquoted names upper-cased, so keys are best written in upper case),
// TIMESTAMP_NTZ / FLOAT columns, dateadd and date_part, the metrics table's DDL, and the idempotent
// append as one MERGE over bound VALUES. Pure: no I/O.
//nobundling
import { quoteIdentPart } from "../../config/sql-dialect.ts";
import { sqlTimestamp } from "../../core/time.ts";
import { standardDialect } from "../dialect.ts";
import type { MetricRow } from "../metric-row.ts";
import { StoreError } from "../metrics-store.ts";

/** Snowflake declares primary keys but does not enforce them: inserts check with `where not exists`. */
export const snowflakeDialect = standardDialect("snowflake", {
  types: { text: "VARCHAR", int: "NUMBER", double: "FLOAT", timestamp: "TIMESTAMP_NTZ" },
  timestamp: (t) => `to_timestamp_ntz(${t})`,
  minusDays: (e, d) => `dateadd(day, -${d}, ${e})`,
  // epoch_millisecond keeps the milliseconds that epoch_second would drop
  epochSeconds: (e) => `date_part(epoch_millisecond, ${e}) / 1000`,
});

export interface SnowflakeTableRef {
  database: string;
  schema: string;
  table: string;
}

/**
 * `database.schema.table`, `schema.table` in the connection's database, or `table` in its database and schema.
 * @throws StoreError naming the batch and the key for any other shape, or a default that is not set.
 */
export function parseTableKey(tableKey: string, batch: string, defaultDatabase?: string, defaultSchema?: string): SnowflakeTableRef {
  const parts = tableKey.split(".");
  const shape = `${batch}.table_key "${tableKey}": Snowflake needs "database.schema.table", "schema.table" or "table"`;
  if (parts.length > 3 || parts.some((p) => p.trim() === "")) throw new StoreError(shape);
  if (parts.length === 1) {
    if (!defaultDatabase || !defaultSchema) {
      throw new StoreError(
        `${shape}; a one-part key takes its database and schema from ANOMSTACK_SNOWFLAKE_DATABASE and _SCHEMA, which are not both set`,
      );
    }
    return { database: defaultDatabase, schema: defaultSchema, table: parts[0] };
  }
  if (parts.length === 2) {
    if (!defaultDatabase) throw new StoreError(`${shape}; a two-part key takes its database from ANOMSTACK_SNOWFLAKE_DATABASE, which is not set`);
    return { database: defaultDatabase, schema: parts[0], table: parts[1] };
  }
  return { database: parts[0], schema: parts[1], table: parts[2] };
}

/** The table's quoted path (quoted as the templates' sql_ident does). */
export function quoteTable(ref: SnowflakeTableRef): string {
  return [ref.database, ref.schema, ref.table].map((p) => quoteIdentPart(p, "snowflake")).join(".");
}

/** The metrics table, created when missing (TIMESTAMP_NTZ holding UTC, as in the other stores). */
export function createTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
  metric_timestamp TIMESTAMP_NTZ NOT NULL,
  metric_batch VARCHAR NOT NULL,
  metric_name VARCHAR NOT NULL,
  metric_type VARCHAR NOT NULL,
  metric_value FLOAT NOT NULL,
  metadata VARCHAR NOT NULL DEFAULT ''
)`;
}

/** Rows per MERGE (6 binds a row). */
export const MERGE_ROWS = 1000;

/** One MERGE inserting the rows not stored yet, from bound VALUES (rows must already be unique). */
export function mergeSql(table: string, rows: readonly MetricRow[]): { sql: string; binds: (string | number)[] } {
  const binds: (string | number)[] = [];
  for (const r of rows) binds.push(sqlTimestamp(r.metric_timestamp), r.metric_batch, r.metric_name, r.metric_type, r.metric_value, r.metadata);
  const values = rows.map(() => "(?, ?, ?, ?, ?, ?)").join(",\n  ");
  const sql = `MERGE INTO ${table} AS t
USING (
  SELECT CAST(v.ts AS TIMESTAMP_NTZ) AS metric_timestamp, v.b AS metric_batch, v.n AS metric_name, v.ty AS metric_type,
         CAST(v.val AS FLOAT) AS metric_value, v.md AS metadata
  FROM (VALUES
  ${values}
  ) AS v (ts, b, n, ty, val, md)
) AS s
ON t.metric_timestamp = s.metric_timestamp AND t.metric_batch = s.metric_batch AND t.metric_name = s.metric_name AND t.metric_type = s.metric_type
WHEN NOT MATCHED THEN
  INSERT (metric_timestamp, metric_batch, metric_name, metric_type, metric_value, metadata)
  VALUES (s.metric_timestamp, s.metric_batch, s.metric_name, s.metric_type, s.metric_value, s.metadata)`;
  return { sql, binds };
}
