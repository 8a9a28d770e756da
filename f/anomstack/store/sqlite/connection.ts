// Where a `db: sqlite` batch's data lives: a SQLite file (ANOMSTACK_SQLITE_PATH, default
// ./data/anomstack-sqlite.db) or a Turso / libSQL database (ANOMSTACK_TURSO_DATABASE_URL with
// ANOMSTACK_TURSO_AUTH_TOKEN, or an ANOMSTACK_SQLITE_PATH ending in turso.io, as in the original).
// The settings resource reaches these through its `env`. The token is never part of a message.
//nobundling
import path from "node:path";
import type { Env } from "../../core/env.ts";

export interface SqliteConnection {
  /** A libSQL URL: `file:<path>`, `libsql://<db>.turso.io`, `http(s)://...`, or `:memory:`. */
  url: string;
  authToken?: string;
}

export const DEFAULT_SQLITE_PATH = "./data/anomstack-sqlite.db";

/** The connection of `db: sqlite` from the environment. */
export function sqliteConnection(env: Env): SqliteConnection {
  const token = env.ANOMSTACK_TURSO_AUTH_TOKEN || undefined;
  if (env.ANOMSTACK_TURSO_DATABASE_URL) return { url: env.ANOMSTACK_TURSO_DATABASE_URL, authToken: token };
  const p = env.ANOMSTACK_SQLITE_PATH || DEFAULT_SQLITE_PATH;
  if (/^(libsql|https?|wss?):\/\//.test(p)) return { url: p, authToken: token };
  if (/turso\.io\/?$/.test(p)) return { url: `libsql://${p.replace(/\/$/, "")}`, authToken: token };
  if (p === ":memory:" || p.startsWith("file:")) return { url: p };
  return { url: `file:${path.resolve(p)}` };
}

/** Where a connection points, for messages (never the token). */
export function describeSqlite(conn: SqliteConnection): string {
  return conn.url.replace(/([?&]authToken=)[^&]*/i, "$1***");
}
