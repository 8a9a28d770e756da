// Where a `db: clickhouse` batch's data lives: a ClickHouse server over HTTP, from
// ANOMSTACK_CLICKHOUSE_HOST / _PORT / _USER / _PASSWORD / _DATABASE (defaults localhost / 8123 /
// anomstack / anomstack / default, as in the original); the host may be a full http(s):// URL. On
// Windmill the settings resource's `env` (or its `clickhouse` resource) carries them. The password is
// never part of a message.
//nobundling
import type { Env } from "../../core/env.ts";

export interface ClickhouseConnection {
  /** http(s)://host:port */
  url: string;
  user: string;
  password: string;
  /** The database of one-part table keys. */
  database: string;
}

/** The connection of `db: clickhouse` from the environment. */
export function clickhouseConnection(env: Env): ClickhouseConnection {
  const host = env.ANOMSTACK_CLICKHOUSE_HOST || "localhost";
  const port = env.ANOMSTACK_CLICKHOUSE_PORT || "8123";
  let url = /^https?:\/\//.test(host) ? host : `http://${host}:${port}`;
  if (/^https?:\/\//.test(host) && env.ANOMSTACK_CLICKHOUSE_PORT && !/:\d+\/?$/.test(host)) url = `${host.replace(/\/$/, "")}:${port}`;
  return {
    url: url.replace(/\/$/, ""),
    user: env.ANOMSTACK_CLICKHOUSE_USER ?? "anomstack",
    password: env.ANOMSTACK_CLICKHOUSE_PASSWORD ?? "anomstack",
    database: env.ANOMSTACK_CLICKHOUSE_DATABASE || "default",
  };
}

/** Where a connection points, for messages (never the password). */
export function describeClickhouse(conn: ClickhouseConnection): string {
  return `${conn.url} (user ${conn.user}, database ${conn.database})`;
}
