// The dialect of a store: its own (`store.sql`, for a store that brings one), else the one of its
// database's folder.
//nobundling
import { bigqueryDialect } from "./bigquery/dialect.ts";
import { clickhouseDialect } from "./clickhouse/dialect.ts";
import type { DialectName, SqlDialect } from "./dialect.ts";
import { duckdbDialect } from "./duckdb/dialect.ts";
import type { MetricsStore } from "./metrics-store.ts";
import { postgresDialect } from "./postgres/dialect.ts";
import { snowflakeDialect } from "./snowflake/dialect.ts";
import { sqliteDialect } from "./sqlite/dialect.ts";

const DIALECTS: Record<DialectName, SqlDialect> = {
  duckdb: duckdbDialect,
  postgres: postgresDialect,
  sqlite: sqliteDialect,
  clickhouse: clickhouseDialect,
  bigquery: bigqueryDialect,
  snowflake: snowflakeDialect,
};

/** The SQL dialect of `store`. */
export function sqlOf(store: Pick<MetricsStore, "dialect"> & { sql?: SqlDialect }): SqlDialect {
  return store.sql ?? DIALECTS[store.dialect];
}
