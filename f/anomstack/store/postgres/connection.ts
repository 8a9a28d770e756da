// Where a `db: postgres` batch's data lives: ANOMSTACK_POSTGRES_URL, or ANOMSTACK_POSTGRES_HOST / _PORT /
// _USER / _PASSWORD / _DATABASE / _SSLMODE (a Windmill `postgresql` resource in the settings fills the latter).
//nobundling
import type { Env } from "../../core/env.ts";
import { StoreError } from "../metrics-store.ts";

/** Connection settings: a `postgresql://` URL or the fields of Windmill's `postgresql` resource. */
export type PostgresConnection =
  | string
  | { host?: string; port?: number; user?: string; password?: string; dbname?: string; database?: string; sslmode?: string };

/** The connection of `db: postgres` from the environment. @throws StoreError naming the batch when none is set. */
export function postgresConnection(env: Env, batch: string): PostgresConnection {
  if (env.ANOMSTACK_POSTGRES_URL) return env.ANOMSTACK_POSTGRES_URL;
  if (!env.ANOMSTACK_POSTGRES_HOST) {
    throw new StoreError(
      `${batch}.db is postgres but no connection is configured: set ANOMSTACK_POSTGRES_URL, or ANOMSTACK_POSTGRES_HOST (with _PORT, _USER, _PASSWORD, _DATABASE), or a postgresql resource in the settings`,
    );
  }
  return {
    host: env.ANOMSTACK_POSTGRES_HOST,
    port: env.ANOMSTACK_POSTGRES_PORT ? Number(env.ANOMSTACK_POSTGRES_PORT) : undefined,
    user: env.ANOMSTACK_POSTGRES_USER,
    password: env.ANOMSTACK_POSTGRES_PASSWORD,
    dbname: env.ANOMSTACK_POSTGRES_DATABASE,
    sslmode: env.ANOMSTACK_POSTGRES_SSLMODE,
  };
}

/** Where a connection points, without its password (for messages). */
export function describeConnection(conn: PostgresConnection): string {
  if (typeof conn === "string") return conn.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
  return `postgresql://${conn.user ?? ""}@${conn.host ?? "localhost"}:${conn.port ?? 5432}/${conn.dbname ?? conn.database ?? ""}`;
}
