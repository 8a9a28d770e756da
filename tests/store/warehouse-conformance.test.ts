// The conformance suite (conformance.ts) on the BigQuery and Snowflake stores, through their real
// client libraries, against the local stand-ins (tests/standins/): each suite its own server.
import { openBigqueryStore } from "../../f/anomstack/store/bigquery/store.ts";
import { openSnowflakeStore } from "../../f/anomstack/store/snowflake/store.ts";
import { BigqueryStandin } from "../standins/bigquery.ts";
import { SnowflakeStandin } from "../standins/snowflake.ts";
import { runStoreConformance } from "./conformance.ts";

const bigquery = new BigqueryStandin("conf-proj", "ya29.conformance");
let bigqueryUrl = "";
let n = 0;
runStoreConformance({
  db: "bigquery",
  open: (tableKey) =>
    openBigqueryStore({ connection: { projectId: "conf-proj", apiEndpoint: bigqueryUrl, accessToken: "ya29.conformance" }, tableKey, batch: "conf" }),
  freshTableKey: () => `conformance.t${++n}`,
  badTableKeys: [
    ["metrics", 'conf.table_key "metrics": BigQuery needs "dataset.table" or "project.dataset.table"'],
    ["a.b.c.d", 'conf.table_key "a.b.c.d": BigQuery needs "dataset.table" or "project.dataset.table"'],
    ["no_such_dataset.t", 'conf.table_key "no_such_dataset.t": dataset conf-proj.no_such_dataset does not exist'],
  ],
  setup: async () => {
    bigqueryUrl = await bigquery.start();
    await bigquery.createDataset("conformance");
  },
  teardown: () => bigquery.stop(),
});

const snowflake = new SnowflakeStandin("conf-account", "CONF", "pw", ["ANOMSTACK"]);
let snowflakeUrl = "";
runStoreConformance({
  db: "snowflake",
  open: (tableKey) =>
    openSnowflakeStore({
      connection: { account: "conf-account", username: "CONF", password: "pw", database: "ANOMSTACK", accessUrl: snowflakeUrl },
      tableKey,
      batch: "conf",
    }),
  freshTableKey: () => `ANOMSTACK.CONFORMANCE.T${++n}`,
  badTableKeys: [
    ["a.b.c.d", 'conf.table_key "a.b.c.d": Snowflake needs "database.schema.table", "schema.table" or "table"'],
    ["T", 'conf.table_key "T": Snowflake needs "database.schema.table", "schema.table" or "table"; a one-part key'],
    ["ANOMSTACK.NO_SUCH_SCHEMA.T", "conf (table_key ANOMSTACK.NO_SUCH_SCHEMA.T, Snowflake account conf-account"],
  ],
  setup: async () => {
    snowflakeUrl = await snowflake.start();
    await snowflake.sql(`CREATE SCHEMA "ANOMSTACK"."CONFORMANCE"`);
  },
  teardown: () => snowflake.stop(),
});
