// The conformance suite (conformance.ts) on the real PostgreSQL of this machine and CI, in a schema of
// its own, dropped at the end.
import pg from "pg";
import { openPostgresStore } from "../../f/anomstack/store/postgres/store.ts";
import { PG_URL, requirePostgres } from "../helpers/services.ts";
import { runStoreConformance } from "./conformance.ts";

const SCHEMA = `anomstack_conf_${process.pid}_${Date.now()}`;
let n = 0;
runStoreConformance({
  db: "postgres",
  setup: requirePostgres,
  open: (tableKey) => openPostgresStore({ connection: PG_URL, tableKey }),
  freshTableKey: () => `${SCHEMA}.metrics_${++n}`,
  badTableKeys: [["a.b.c", 'table_key "a.b.c" must be "table" or "schema.table" on postgres']],
  teardown: async () => {
    const c = new pg.Client(PG_URL);
    await c.connect();
    await c.query(`drop schema if exists "${SCHEMA}" cascade`);
    await c.end();
  },
});
