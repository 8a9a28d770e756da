// The conformance suite (conformance.ts) on a real ClickHouse server: Debian's clickhouse-server
// (18.16), started for this file in a temp folder (tests/helpers/clickhouse.ts).
import { openClickhouseStore } from "../../f/anomstack/store/clickhouse/store.ts";
import { startClickhouse, type ClickhouseServer } from "../helpers/clickhouse.ts";
import { runStoreConformance } from "./conformance.ts";

let server: ClickhouseServer | undefined;
let n = 0;
const DB = `conf_${process.pid}`;
runStoreConformance({
  db: "clickhouse",
  subSecond: false,
  setup: async () => {
    server = await startClickhouse();
  },
  open: (tableKey) => {
    if (!server) throw new Error("the ClickHouse server did not start");
    return openClickhouseStore({ connection: { url: server.url, user: "default", password: "", database: "default" }, tableKey });
  },
  freshTableKey: () => `${DB}.metrics_${++n}`,
  badTableKeys: [["a.b.c", 'table_key "a.b.c" must be "table" or "database.table" on clickhouse']],
  teardown: async () => server?.stop(),
});
