// The BigQuery and Snowflake connections from the environment and from the Windmill settings resource
// (its `bigquery` and `snowflake` fields hold Windmill's resources of those types).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { settingsToEnv } from "../../f/anomstack/config/settings-resource.ts";
import { bigqueryConnection, describeBigquery } from "../../f/anomstack/store/bigquery/connection.ts";
import { describeSnowflake, snowflakeConnection } from "../../f/anomstack/store/snowflake/connection.ts";
import { tempDir } from "./helpers.ts";

const KEY = {
  type: "service_account",
  project_id: "key-proj",
  client_email: "sa@key-proj.iam.gserviceaccount.com",
  private_key: "-----BEGIN PRIVATE KEY-----\nSECRET\n-----END PRIVATE KEY-----\n",
};

describe("BigQuery connection settings", () => {
  it("takes a Windmill bigquery resource (a service-account key) and its project", () => {
    const conn = bigqueryConnection(settingsToEnv({ bigquery: KEY }, {}), "b");
    expect(conn).toMatchObject({ projectId: "key-proj", credentials: { client_email: KEY.client_email, private_key: KEY.private_key } });
    expect(describeBigquery(conn)).toBe(
      "BigQuery project key-proj at https://bigquery.googleapis.com with service account sa@key-proj.iam.gserviceaccount.com",
    );
    expect(describeBigquery(conn)).not.toContain("SECRET");
  });

  it("reads a key file; ANOMSTACK_GCP_PROJECT_ID wins over the key's project", () => {
    const file = path.join(tempDir(), "key.json");
    fs.writeFileSync(file, JSON.stringify(KEY));
    expect(bigqueryConnection({ ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS: file, ANOMSTACK_GCP_PROJECT_ID: "other" }, "b")).toMatchObject({
      projectId: "other",
      credentials: { client_email: KEY.client_email },
    });
  });

  it("names the batch and the variable of a key it cannot use, never the key", () => {
    expect(() => bigqueryConnection({ ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS: "/no/such/key.json" }, "b")).toThrow(
      /^b: ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS: cannot read key file \/no\/such\/key\.json/,
    );
    expect(() => bigqueryConnection({ ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON: "{SECRET" }, "b")).toThrow(
      /^b: ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON is not JSON/,
    );
    expect(() => bigqueryConnection({ ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON: "{SECRET" }, "b")).not.toThrow(/SECRET/);
    expect(() => bigqueryConnection({ ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON: '{"private_key": "SECRET"}' }, "b")).toThrow(
      "b: ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON: the key has no client_email / private_key (is it a service-account key?)",
    );
  });
});

describe("Snowflake connection settings", () => {
  it("takes a Windmill snowflake resource (key-pair auth)", () => {
    const env = settingsToEnv(
      {
        snowflake: {
          account_identifier: "org-acct",
          username: "ANOM",
          private_key: "PEM-SECRET",
          warehouse: "WH",
          database: "DB",
          schema: "S",
          role: "R",
        },
      },
      {},
    );
    const conn = snowflakeConnection(env, "b");
    expect(conn).toMatchObject({
      account: "org-acct",
      username: "ANOM",
      privateKey: "PEM-SECRET",
      warehouse: "WH",
      database: "DB",
      schema: "S",
      role: "R",
    });
    expect(describeSnowflake(conn)).toBe("Snowflake account org-acct as ANOM at https://org-acct.snowflakecomputing.com (warehouse WH)");
  });

  it("reads the original's variables, a private key with escaped newlines included", () => {
    expect(
      snowflakeConnection({ ANOMSTACK_SNOWFLAKE_ACCOUNT: "a", ANOMSTACK_SNOWFLAKE_USER: "u", ANOMSTACK_SNOWFLAKE_PRIVATE_KEY: "line1\\nline2" }, "b")
        .privateKey,
    ).toBe("line1\nline2");
  });
});
