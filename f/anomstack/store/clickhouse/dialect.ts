// ClickHouse's SQL where it differs, kept to what Debian's clickhouse-server 18.16 supports: DateTime
// (whole seconds; DateTime64 came in 20.1), no enforced keys (rows are checked before they are written),
// toDateTime / toIntervalDay / toUnixTimestamp, and backslash escapes in string literals.
//nobundling
import { standardDialect } from "../dialect.ts";

export const clickhouseDialect = standardDialect("clickhouse", {
  types: { text: "String", int: "Int64", double: "Float64", timestamp: "DateTime('UTC')" },
  primaryKeys: false,
  // The first 19 characters: 'YYYY-MM-DD HH:MM:SS' (18.16's toDateTime takes no fraction).
  timestamp: (t) => `toDateTime(substring(${t}, 1, 19), 'UTC')`,
  minusDays: (e, d) => `${e} - toIntervalDay(${d})`,
  epochSeconds: (e) => `toUnixTimestamp(${e})`,
  notNull: "",
  tableOptions: (key) => ` engine = MergeTree() order by (${key.join(", ")})`,
  // 18.16 deletes and updates through mutations (no DELETE / UPDATE statements before 22.8)
  deleteWhere: (t, c) => `alter table ${t} delete where ${c}`,
  updateWhere: (t, a, c) => `alter table ${t} update ${a} where ${c}`,
  countsBeforeChange: true,
  wholeSeconds: true,
});

/** 'YYYY-MM-DD HH:MM:SS' (UTC) of an instant: how a DateTime value is written and read. */
export function clickhouseDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}
