// The SQL that is BigQuery's own (GoogleSQL): backquoted `project`.`dataset`.`table` names, strings
// with backslash escapes, STRING / INT64 / FLOAT64 columns, timestamp_sub and unix_millis, the metrics
// table's DDL (partitioned by day, clustered by batch, type and name), and the idempotent append as one
// MERGE. Pure: no I/O.
//nobundling
import { quoteIdentPart } from "../../config/sql-dialect.ts";
import { sqlTimestamp } from "../../core/time.ts";
import { standardDialect } from "../dialect.ts";
import type { MetricRow } from "../metric-row.ts";
import { StoreError } from "../metrics-store.ts";

/** A table key resolved to its three parts. */
export interface BigqueryTableRef {
  project: string;
  dataset: string;
  table: string;
}

/** BigQuery has no enforced keys: inserts that must not duplicate check with `where not exists`. */
export const bigqueryDialect = standardDialect("bigquery", {
  types: { text: "STRING", int: "INT64", double: "FLOAT64", timestamp: "TIMESTAMP" },
  timestamp: (t) => `timestamp(${t})`,
  minusDays: (e, d) => `timestamp_sub(${e}, interval ${d} day)`,
  // unix_millis keeps the milliseconds that unix_seconds would drop
  epochSeconds: (e) => `unix_millis(${e}) / 1000`,
});

const PART = /^[A-Za-z0-9_-]+$/;

/**
 * `dataset.table` (in `defaultProject`) or `project.dataset.table`.
 * @throws StoreError naming the batch and the key for any other shape.
 * @example parseTableKey("metrics.metrics", "b", "my-proj") // => { project: "my-proj", dataset: "metrics", table: "metrics" }
 */
export function parseTableKey(tableKey: string, batch: string, defaultProject?: string): BigqueryTableRef {
  const parts = tableKey.split(".");
  const shape = `${batch}.table_key "${tableKey}": BigQuery needs "dataset.table" or "project.dataset.table"`;
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !PART.test(p))) {
    throw new StoreError(`${shape} (letters, digits, _ and - in each part)`);
  }
  if (parts.length === 2) {
    if (!defaultProject) throw new StoreError(`${shape}; a two-part key takes its project from ANOMSTACK_GCP_PROJECT_ID, which is not set`);
    return { project: defaultProject, dataset: parts[0], table: parts[1] };
  }
  return { project: parts[0], dataset: parts[1], table: parts[2] };
}

/** The table's quoted path, `` `project`.`dataset`.`table` `` (quoted as the templates' sql_ident does). */
export function quoteTable(ref: BigqueryTableRef): string {
  return [ref.project, ref.dataset, ref.table].map((p) => quoteIdentPart(p, "bigquery")).join(".");
}

/** The metrics table, created when missing. Partitions prune the time filters every job has. */
export function createTableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
  metric_timestamp TIMESTAMP NOT NULL,
  metric_batch STRING NOT NULL,
  metric_name STRING NOT NULL,
  metric_type STRING NOT NULL,
  metric_value FLOAT64 NOT NULL,
  metadata STRING NOT NULL DEFAULT ''
)
PARTITION BY DATE(metric_timestamp)
CLUSTER BY metric_batch, metric_type, metric_name`;
}

/** Rows per MERGE: 6 parameters a row stays under BigQuery's 10,000 parameters per query. */
export const MERGE_ROWS = 1000;

/**
 * One MERGE inserting the rows whose (timestamp, batch, name, type) is not stored yet, with positional
 * parameters (rows must already be unique). A single statement is atomic.
 */
export function mergeSql(table: string, rows: readonly MetricRow[]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const selects = rows.map((r, i) => {
    params.push(sqlTimestamp(r.metric_timestamp), r.metric_batch, r.metric_name, r.metric_type, r.metric_value, r.metadata);
    return i === 0
      ? "SELECT CAST(? AS TIMESTAMP) AS metric_timestamp, ? AS metric_batch, ? AS metric_name, ? AS metric_type, CAST(? AS FLOAT64) AS metric_value, ? AS metadata"
      : "SELECT CAST(? AS TIMESTAMP), ?, ?, ?, CAST(? AS FLOAT64), ?";
  });
  const sql = `MERGE ${table} AS t
USING (
${selects.join("\nUNION ALL ")}
) AS s
ON t.metric_timestamp = s.metric_timestamp AND t.metric_batch = s.metric_batch AND t.metric_name = s.metric_name AND t.metric_type = s.metric_type
WHEN NOT MATCHED THEN
  INSERT (metric_timestamp, metric_batch, metric_name, metric_type, metric_value, metadata)
  VALUES (s.metric_timestamp, s.metric_batch, s.metric_name, s.metric_type, s.metric_value, s.metadata)`;
  return { sql, params };
}
