// The metrics table in PostgreSQL (batches with `db: postgres`): created when missing with a primary key
// on (batch, name, type, timestamp), idempotent appends (`on conflict do nothing`), transactions.
// Timestamps are `timestamp` (without zone) holding UTC, as in the DuckDB store.
//nobundling
import type pg from "pg";
import { checkRows } from "../append-rows.ts";
import type { MetricRow } from "../metric-row.ts";
import { StoreError, quoteTableKey, type MetricsStore, type QueryRow } from "../metrics-store.ts";
import { sqlTimestamp } from "../../core/time.ts";

import { describeConnection, type PostgresConnection } from "./connection.ts";

export { describeConnection, type PostgresConnection } from "./connection.ts";

/** Rows per INSERT statement: big enough to be fast, small enough for Postgres's parameter limits. */
const CHUNK_ROWS = 10_000;

/** The driver, loaded by the first connection (a DuckDB-only run never needs it). */
let driver: typeof pg | undefined;

// Parse `timestamp` (1114) as UTC and `int8` (20) as a number, per client (not globally).
const TYPES = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 1114) return (s: string) => new Date(`${s.replace(" ", "T")}Z`);
    if (oid === 20) return (s: string) => Number(s);
    return driver!.types.getTypeParser(oid, format as "text");
  },
};

function clientConfig(conn: PostgresConnection): pg.ClientConfig {
  if (typeof conn === "string") return { connectionString: conn, types: TYPES as pg.CustomTypesConfig };
  const ssl =
    conn.sslmode && !["disable", "allow", "prefer"].includes(conn.sslmode) ? { rejectUnauthorized: conn.sslmode === "verify-full" } : undefined;
  return {
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database: conn.dbname ?? conn.database,
    ssl,
    types: TYPES as pg.CustomTypesConfig,
  };
}

/** `?` placeholders (DuckDB style, used by the jobs) as `$1, $2, ...`; quoted text is left alone. */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\?/g, (m) => (m === "?" ? `$${++n}` : m));
}

/** Open (and create if missing) the metrics table in PostgreSQL. */
export async function openPostgresStore(opts: { connection: PostgresConnection; tableKey?: string }): Promise<MetricsStore> {
  const tableKey = opts.tableKey ?? "metrics";
  const table = quoteTableKey(tableKey, "postgres");
  driver ??= (await import("pg")).default;
  const client = new driver.Client(clientConfig(opts.connection));
  const where = describeConnection(opts.connection);
  try {
    await client.connect();
  } catch (e) {
    throw new StoreError(`cannot connect to PostgreSQL at ${where}: ${(e as Error).message}`);
  }
  const store = new PostgresStore(client, where, tableKey, table);
  try {
    await store.ensureTable();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
  return store;
}

class PostgresStore implements MetricsStore {
  readonly dialect = "postgres" as const;
  private txDepth = 0;
  private closed = false;
  // One statement at a time on the connection: calls made while another runs wait their turn.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: pg.Client,
    readonly location: string,
    readonly tableKey: string,
    private readonly table: string,
  ) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.txDepth > 0) return fn(); // inside a transaction: run now, as part of it
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async ensureTable(): Promise<void> {
    const schema = this.tableKey.includes(".") ? this.table.split(".")[0] : undefined;
    const pk = `"${this.tableKey.replace(/\W/g, "_")}_pkey"`;
    try {
      if (schema) await this.client.query(`create schema if not exists ${schema}`);
      await this.client.query(
        `create table if not exists ${this.table} (
           metric_timestamp timestamp not null,
           metric_batch text not null,
           metric_name text not null,
           metric_type text not null,
           metric_value double precision not null,
           metadata text not null default '',
           constraint ${pk} primary key (metric_batch, metric_name, metric_type, metric_timestamp)
         )`,
      );
    } catch (e) {
      throw new StoreError(`cannot create table ${this.tableKey} in ${this.location}: ${(e as Error).message}`);
    }
  }

  query<T = QueryRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    this.assertOpen();
    return this.serial(async () => (await this.run(sql, params)).rows as T[]);
  }

  exec(sql: string, params: unknown[] = []): Promise<number> {
    this.assertOpen();
    return this.serial(async () => (await this.run(sql, params)).rowCount ?? 0);
  }

  /**
   * SQL without parameters (a user's ingest_sql, a rendered template) reaches PostgreSQL as written:
   * its `?` may be an operator (`tags ? 'env'` on jsonb). Only the store's own SQL binds `?` parameters.
   */
  private run(sql: string, params: unknown[]) {
    return params.length === 0 ? this.client.query(sql) : this.client.query(toPgPlaceholders(sql), params.map(toPgParam));
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.txDepth > 0) return fn();
    return this.serial(async () => {
      await this.client.query("begin");
      this.txDepth = 1;
      try {
        const out = await fn();
        await this.client.query("commit");
        return out;
      } catch (e) {
        await this.client.query("rollback").catch(() => undefined);
        throw e;
      } finally {
        this.txDepth = 0;
      }
    });
  }

  /** Rows go in as column arrays through `unnest`, in chunks, all in one transaction. */
  async append(rows: readonly MetricRow[]): Promise<number> {
    this.assertOpen();
    if (rows.length === 0) return 0;
    checkRows(rows);
    return this.transaction(async () => {
      let inserted = 0;
      for (let s = 0; s < rows.length; s += CHUNK_ROWS) {
        const chunk = rows.slice(s, s + CHUNK_ROWS);
        const res = await this.client.query(
          `insert into ${this.table} (metric_timestamp, metric_batch, metric_name, metric_type, metric_value, metadata)
           select * from unnest($1::timestamp[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::text[])
           on conflict do nothing`,
          [
            chunk.map((r) => sqlTimestamp(r.metric_timestamp)),
            chunk.map((r) => r.metric_batch),
            chunk.map((r) => r.metric_name),
            chunk.map((r) => r.metric_type),
            chunk.map((r) => r.metric_value),
            chunk.map((r) => r.metadata),
          ],
        );
        inserted += res.rowCount ?? 0;
      }
      return inserted;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.client.end();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(`store ${this.location} is closed`);
  }
}

/** Dates as UTC timestamp text (the column type has no zone); everything else as is. */
function toPgParam(v: unknown): unknown {
  return v instanceof Date ? sqlTimestamp(v) : v;
}
