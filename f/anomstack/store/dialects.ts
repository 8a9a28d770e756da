// The dialect of a store: its own (`store.sql`, for a store that brings one), else the one of its
// database's folder. BigQuery and Snowflake get a standard dialect with their quoting, types and
// timestamp functions until their folders define their own.
//nobundling
import { clickhouseDialect } from "./clickhouse/dialect.ts";
import { standardDialect, type DialectName, type SqlDialect } from "./dialect.ts";
import { duckdbDialect } from "./duckdb/dialect.ts";
import type { MetricsStore } from "./metrics-store.ts";
import { postgresDialect } from "./postgres/dialect.ts";
import { sqliteDialect } from "./sqlite/dialect.ts";

const DIALECTS: Record<DialectName, SqlDialect> = {
  duckdb: duckdbDialect,
  postgres: postgresDialect,
  sqlite: sqliteDialect,
  clickhouse: clickhouseDialect,
  bigquery: standardDialect("bigquery", {
    types: { text: "STRING", int: "INT64", double: "FLOAT64", timestamp: "TIMESTAMP" },
    timestamp: (t) => `timestamp(${t})`,
    minusDays: (e, d) => `timestamp_sub(${e}, interval ${d} day)`,
    epochSeconds: (e) => `unix_millis(${e}) / 1000`,
  }),
  snowflake: standardDialect("snowflake", {
    types: { text: "VARCHAR", int: "NUMBER", double: "FLOAT", timestamp: "TIMESTAMP_NTZ" },
    timestamp: (t) => `to_timestamp_ntz(${t})`,
    minusDays: (e, d) => `dateadd(day, -${d}, ${e})`,
    epochSeconds: (e) => `date_part(epoch_millisecond, ${e}) / 1000`,
  }),
};

/** The SQL dialect of `store`. */
export function sqlOf(store: Pick<MetricsStore, "dialect"> & { sql?: SqlDialect }): SqlDialect {
  return store.sql ?? DIALECTS[store.dialect];
}
