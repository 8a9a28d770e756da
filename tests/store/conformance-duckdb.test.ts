// The conformance suite (conformance.ts) on DuckDB files, and on SQLite files through @libsql/client.
import path from "node:path";
import { closeAllDuckdbInstances, openDuckdbStore } from "../../f/anomstack/store/duckdb/store.ts";
import { openSqliteStore } from "../../f/anomstack/store/sqlite/store.ts";
import { runStoreConformance } from "./conformance.ts";
import { tempDir } from "./helpers.ts";

let n = 0;
const duckdbFile = path.join(tempDir(), "conformance.duckdb");
runStoreConformance({
  db: "duckdb",
  open: (tableKey) => openDuckdbStore({ path: duckdbFile, tableKey }),
  freshTableKey: () => `s${++n}.metrics`,
  badTableKeys: [
    ["a.b.c", 'table_key "a.b.c" must be "table" or "schema.table" on duckdb'],
    ["a..b", 'table_key "a..b" must be "table" or "schema.table" on duckdb'],
  ],
  teardown: closeAllDuckdbInstances,
});

const sqliteFile = path.join(tempDir(), "conformance.db");
runStoreConformance({
  db: "sqlite",
  open: (tableKey) => openSqliteStore({ connection: { url: `file:${sqliteFile}` }, tableKey }),
  freshTableKey: () => `metrics_${++n}`,
  badTableKeys: [["main.metrics", 'table_key "main.metrics" must be "table" on sqlite']],
});
