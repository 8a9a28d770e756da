// Where a DuckDB batch's data lives: the embedded file (ANOMSTACK_DUCKDB_PATH, default
// ./data/anomstack.duckdb), or, for `db: motherduck` (or an `md:` path, as in the original), a MotherDuck
// database `md:<database>` (ANOMSTACK_MOTHERDUCK_DATABASE, or an `md:` ANOMSTACK_DUCKDB_PATH) with the
// token ANOMSTACK_MOTHERDUCK_TOKEN (the settings resource's `env` carries both on Windmill). The token is
// handed to DuckDB as its `motherduck_token` option, never put in the path or a message.
//nobundling
import type { Env } from "../../core/env.ts";
import { resolveDuckdbPath } from "../../config/env.ts";
import { StoreError } from "../metrics-store.ts";

export interface DuckdbConnection {
  /** A file path, ":memory:", or `md:<database>`. */
  path: string;
  /** MotherDuck's token, for `md:` paths. */
  motherduckToken?: string;
}

/** True for a MotherDuck path (`md:` or `motherduck:`). */
export function isMotherduckPath(p: string): boolean {
  return /^(md|motherduck):/i.test(p);
}

/**
 * The connection of `db: duckdb` / `db: motherduck` from the environment. `duckdbPath` (the CLI's
 * --duckdb) overrides ANOMSTACK_DUCKDB_PATH for `db: duckdb`.
 * @throws StoreError naming the batch when MotherDuck has no database or no token.
 */
export function duckdbConnection(env: Env, db: "duckdb" | "motherduck", batch: string, duckdbPath?: string): DuckdbConnection {
  const configured = duckdbPath ?? resolveDuckdbPath(env);
  if (db === "duckdb" && !isMotherduckPath(configured)) return { path: configured };
  const database = db === "motherduck" ? (env.ANOMSTACK_MOTHERDUCK_DATABASE ?? (isMotherduckPath(configured) ? configured : undefined)) : configured;
  if (!database) {
    throw new StoreError(
      `${batch}.db is motherduck but no database is configured: set ANOMSTACK_MOTHERDUCK_DATABASE (e.g. "my_db") or ANOMSTACK_DUCKDB_PATH="md:my_db"`,
    );
  }
  const name = database.replace(/^(md|motherduck):/i, "").replace(/\?.*$/, "");
  const token = env.ANOMSTACK_MOTHERDUCK_TOKEN || env.motherduck_token || env.MOTHERDUCK_TOKEN;
  if (!token) {
    throw new StoreError(
      `${batch} uses MotherDuck (md:${name}) but no token is set: set ANOMSTACK_MOTHERDUCK_TOKEN (in the environment or the settings resource's env)`,
    );
  }
  return { path: `md:${name}`, motherduckToken: token };
}

/** What DuckDB is opened with: the path, and the options (the token travels here, not in the path). */
export function duckdbOpenArgs(conn: DuckdbConnection): [string, Record<string, string> | undefined] {
  return [conn.path, conn.motherduckToken ? { motherduck_token: conn.motherduckToken } : undefined];
}
