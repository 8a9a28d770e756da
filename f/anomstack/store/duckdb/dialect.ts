// DuckDB's SQL where it differs: its types, `on conflict do nothing` (primary keys are enforced), epoch().
//nobundling
import { standardDialect } from "../dialect.ts";

export const duckdbDialect = standardDialect("duckdb", {
  primaryKeys: true,
  onConflictDoNothing: "on conflict do nothing",
  epochSeconds: (e) => `epoch(${e})`,
});
