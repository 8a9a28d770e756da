// BigQuery connection settings of a batch (`db: bigquery`): the project, the credentials and where the
// API is, from the environment (names as in the original Anomstack) or the settings resource's
// `bigquery` field (a Windmill `bigquery` resource: a service-account key). Never logs a credential.
//nobundling
import fs from "node:fs";
import type { Env } from "../../core/env.ts";
import { StoreError } from "../metrics-store.ts";

/** What the BigQuery client needs; the credential is one of `keyFilename`, `credentials` or `accessToken`. */
export interface BigqueryConnection {
  /** The project the queries run (and are billed) in, and of two-part table keys. */
  projectId?: string;
  /** Path of a service-account key file (ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS). */
  keyFilename?: string;
  /** A service-account key (ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON, or the Windmill resource). */
  credentials?: { client_email?: string; private_key?: string; project_id?: string; [k: string]: unknown };
  /** An OAuth access token (ANOMSTACK_BIGQUERY_ACCESS_TOKEN, e.g. `gcloud auth print-access-token`). */
  accessToken?: string;
  /** Dataset location, e.g. `EU` (ANOMSTACK_BIGQUERY_LOCATION); BigQuery infers it when unset. */
  location?: string;
  /** Another API endpoint than https://bigquery.googleapis.com (ANOMSTACK_BIGQUERY_API_ENDPOINT). */
  apiEndpoint?: string;
  /** Retries of a failed request (the client's default, 3, when unset). */
  maxRetries?: number;
}

/**
 * The batch's BigQuery connection. Without any credential the client falls back to Google's
 * application default credentials (GOOGLE_APPLICATION_CREDENTIALS, the metadata server).
 * @throws StoreError naming the batch and the variable when a key cannot be read or parsed.
 */
export function bigqueryConnection(env: Env, batch: string): BigqueryConnection {
  const conn: BigqueryConnection = {
    projectId: env.ANOMSTACK_GCP_PROJECT_ID || undefined,
    location: env.ANOMSTACK_BIGQUERY_LOCATION || undefined,
    apiEndpoint: env.ANOMSTACK_BIGQUERY_API_ENDPOINT || undefined,
  };
  const json = env.ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON;
  const file = env.ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS;
  if (env.ANOMSTACK_BIGQUERY_ACCESS_TOKEN) {
    conn.accessToken = env.ANOMSTACK_BIGQUERY_ACCESS_TOKEN;
  } else if (json) {
    conn.credentials = parseKey(json, `${batch}: ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS_JSON`);
  } else if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new StoreError(`${batch}: ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS: cannot read key file ${file}: ${(e as Error).message}`);
    }
    conn.credentials = parseKey(text, `${batch}: key file ${file} (ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS)`);
  }
  conn.projectId ??= typeof conn.credentials?.project_id === "string" ? conn.credentials.project_id : undefined;
  return conn;
}

/** A service-account key; the message names where it came from, never its content. */
function parseKey(text: string, where: string): NonNullable<BigqueryConnection["credentials"]> {
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    throw new StoreError(
      `${where} is not JSON (expected a service-account key: {"type": "service_account", "client_email": ..., "private_key": ...})`,
    );
  }
  if (!key || typeof key !== "object" || Array.isArray(key)) throw new StoreError(`${where}: expected a service-account key object`);
  const k = key as Record<string, unknown>;
  if (typeof k.client_email !== "string" || typeof k.private_key !== "string") {
    throw new StoreError(`${where}: the key has no client_email / private_key (is it a service-account key?)`);
  }
  return k;
}

/** Where a connection points, for messages: project and endpoint, never a credential. */
export function describeBigquery(conn: BigqueryConnection): string {
  const auth = conn.accessToken
    ? "an access token"
    : conn.credentials
      ? `service account ${conn.credentials.client_email}`
      : "application default credentials";
  return `BigQuery project ${conn.projectId ?? "(default)"} at ${conn.apiEndpoint ?? "https://bigquery.googleapis.com"} with ${auth}`;
}
