// PostgreSQL's SQL where it differs: text / double precision columns, `on conflict do nothing`.
//nobundling
import { standardDialect } from "../dialect.ts";

export const postgresDialect = standardDialect("postgres", {
  types: { text: "TEXT", int: "INTEGER", double: "DOUBLE PRECISION", timestamp: "TIMESTAMP" },
  primaryKeys: true,
  onConflictDoNothing: "on conflict do nothing",
});
