// Snowflake connection settings of a batch (`db: snowflake`): account, user, password or private key,
// warehouse, role and default database/schema, from the environment (ANOMSTACK_SNOWFLAKE_*, names as
// in the original Anomstack) or the settings resource's `snowflake` field (a Windmill `snowflake`
// resource, key-pair auth). Never logs a credential.
//nobundling
import type { Env } from "../../core/env.ts";
import { StoreError } from "../metrics-store.ts";

/** What snowflake-sdk needs to log in; the credential is `password` or `privateKey`. */
export interface SnowflakeConnection {
  /** Account identifier, e.g. `myorg-myaccount` (ANOMSTACK_SNOWFLAKE_ACCOUNT). */
  account: string;
  username: string;
  password?: string;
  /** PEM private key for key-pair (JWT) auth (ANOMSTACK_SNOWFLAKE_PRIVATE_KEY). */
  privateKey?: string;
  warehouse?: string;
  role?: string;
  /** Default database and schema, for `schema.table` keys (ANOMSTACK_SNOWFLAKE_DATABASE, _SCHEMA). */
  database?: string;
  schema?: string;
  /** Another endpoint than https://<account>.snowflakecomputing.com (ANOMSTACK_SNOWFLAKE_ACCESS_URL). */
  accessUrl?: string;
  /** Login retries on network errors (the driver's default when unset). */
  maxLoginRetries?: number;
}

/**
 * The batch's Snowflake connection.
 * @throws StoreError naming the batch and the variables when account, user or a credential is missing.
 */
export function snowflakeConnection(env: Env, batch: string): SnowflakeConnection {
  const account = env.ANOMSTACK_SNOWFLAKE_ACCOUNT;
  const username = env.ANOMSTACK_SNOWFLAKE_USER;
  const password = env.ANOMSTACK_SNOWFLAKE_PASSWORD || undefined;
  const privateKey = env.ANOMSTACK_SNOWFLAKE_PRIVATE_KEY?.replace(/\\n/g, "\n") || undefined;
  if (!account || !username || (!password && !privateKey)) {
    const missing = [
      !account && "ANOMSTACK_SNOWFLAKE_ACCOUNT",
      !username && "ANOMSTACK_SNOWFLAKE_USER",
      !password && !privateKey && "ANOMSTACK_SNOWFLAKE_PASSWORD or ANOMSTACK_SNOWFLAKE_PRIVATE_KEY",
    ].filter(Boolean);
    throw new StoreError(`${batch}.db is snowflake but ${missing.join(", ")} is not set (or set a snowflake resource in the settings)`);
  }
  return {
    account,
    username,
    password,
    privateKey,
    warehouse: env.ANOMSTACK_SNOWFLAKE_WAREHOUSE || undefined,
    role: env.ANOMSTACK_SNOWFLAKE_ROLE || undefined,
    database: env.ANOMSTACK_SNOWFLAKE_DATABASE || undefined,
    schema: env.ANOMSTACK_SNOWFLAKE_SCHEMA || undefined,
    accessUrl: env.ANOMSTACK_SNOWFLAKE_ACCESS_URL || undefined,
  };
}

/** Where a connection points, for messages: account, user and endpoint, never a credential. */
export function describeSnowflake(conn: SnowflakeConnection): string {
  const url = conn.accessUrl ?? `https://${conn.account}.snowflakecomputing.com`;
  return `Snowflake account ${conn.account} as ${conn.username} at ${url}${conn.warehouse ? ` (warehouse ${conn.warehouse})` : ""}`;
}
