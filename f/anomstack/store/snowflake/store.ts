// The metrics table in Snowflake (batches with `db: snowflake`), through snowflake-sdk: the database
// and schema must exist, the table is created when missing, appends are one MERGE per 1,000 rows (a
// re-run inserts nothing), and transactions are BEGIN / COMMIT / ROLLBACK on the store's session.
//nobundling
import { AsyncLocalStorage } from "node:async_hooks";
import { quietAwsNotice } from "../quiet-aws.ts";
import type snowflake from "snowflake-sdk";
import type { MetricRow } from "../metric-row.ts";
import { StoreError, type MetricsStore, type QueryRow } from "../metrics-store.ts";
import { checkRows, uniqueRows } from "../append-rows.ts";
import { sqlTimestamp } from "../../core/time.ts";
import { describeSnowflake, type SnowflakeConnection } from "./connection.ts";
import { MERGE_ROWS, createTableSql, mergeSql, parseTableKey, quoteTable } from "./dialect.ts";

export interface SnowflakeStoreOptions {
  connection: SnowflakeConnection;
  /** `database.schema.table` or `schema.table`. */
  tableKey: string;
  /** The batch, for messages. */
  batch: string;
}

let driver: typeof snowflake | undefined;

/**
 * The driver, loaded by the first Snowflake store (after the AWS notice is switched off: an import at
 * the top would run before that in a bundle, which hoists package imports).
 */
async function loadDriver(): Promise<typeof snowflake> {
  if (driver) return driver;
  quietAwsNotice();
  const loaded = (await import("snowflake-sdk")).default;
  // The driver would log into a snowflake.log file in the working folder: off. Its errors reach the
  // store, which reports them naming the batch and the key.
  loaded.configure({ logLevel: "OFF" });
  driver = loaded;
  return loaded;
}

/** The driver's connection options of a connection. */
export function driverOptions(conn: SnowflakeConnection): snowflake.ConnectionOptions {
  const opts: snowflake.ConnectionOptions = {
    account: conn.account,
    username: conn.username,
    warehouse: conn.warehouse,
    role: conn.role,
    database: conn.database,
    schema: conn.schema,
    application: "anomstack",
  };
  if (conn.accessUrl) opts.accessUrl = conn.accessUrl;
  if (conn.privateKey) {
    opts.authenticator = "SNOWFLAKE_JWT";
    opts.privateKey = conn.privateKey;
  } else {
    opts.password = conn.password;
  }
  if (conn.maxLoginRetries !== undefined) (opts as Record<string, unknown>).sfRetryMaxLoginRetries = conn.maxLoginRetries;
  return opts;
}

/** Open the metrics table in Snowflake: logs in, creates the table when missing. */
export async function openSnowflakeStore(opts: SnowflakeStoreOptions): Promise<MetricsStore> {
  const ref = parseTableKey(opts.tableKey, opts.batch, opts.connection.database, opts.connection.schema);
  const where = describeSnowflake(opts.connection);
  const at = `${opts.batch} (table_key ${opts.tableKey}, ${where})`;
  const conn = (await loadDriver()).createConnection(driverOptions(opts.connection));
  try {
    await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
  } catch (e) {
    const err = e as { code?: string | number; message?: string };
    const msg = err.message ?? String(e);
    if (String(err.code) === "390100" || /password|JWT|authenticat/i.test(msg)) {
      throw new StoreError(`${at}: Snowflake refused the credentials (ANOMSTACK_SNOWFLAKE_USER with _PASSWORD or _PRIVATE_KEY): ${msg}`);
    }
    throw new StoreError(`${at}: cannot reach Snowflake: ${msg}`);
  }
  const store = new SnowflakeStore(conn, at, where, opts.tableKey, quoteTable(ref));
  try {
    await store.ensureTable(ref);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

class SnowflakeStore implements MetricsStore {
  readonly dialect = "snowflake" as const;
  private closed = false;
  private readonly inTransaction = new AsyncLocalStorage<true>();
  // One statement or transaction at a time on the session: a BEGIN covers every statement after it.
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly conn: snowflake.Connection,
    private readonly at: string,
    readonly location: string,
    readonly tableKey: string,
    /** The table's quoted path, e.g. `"ANOMSTACK"."METRICS"."METRICS"`. */
    readonly table: string,
  ) {}

  async ensureTable(ref: { database: string; schema: string }): Promise<void> {
    try {
      await this.run(createTableSql(this.table), []);
    } catch (e) {
      if (/does not exist or not authorized/.test((e as Error).message) && /schema|database/i.test((e as Error).message)) {
        throw new StoreError(
          `${this.at}: database ${ref.database} or schema ${ref.schema} does not exist (or this role may not use it); create it (CREATE SCHEMA ${ref.database}.${ref.schema}): ${(e as Error).message.split("\n--- SQL")[0]}`,
        );
      }
      throw e;
    }
  }

  private serialized<T>(op: () => Promise<T>): Promise<T> {
    if (this.inTransaction.getStore()) return op();
    const run = this.tail.then(op, op);
    this.tail = run.catch(() => undefined);
    return run;
  }

  async query<T = QueryRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    this.assertOpen();
    return this.serialized(async () => (await this.run(sql, params)).rows as T[]);
  }

  async exec(sql: string, params: unknown[] = []): Promise<number> {
    this.assertOpen();
    return this.serialized(async () => (await this.run(sql, params)).affected);
  }

  /** BEGIN, `fn`, COMMIT (ROLLBACK when it throws). Nested calls join the outer one. DDL would commit early: none runs inside. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.inTransaction.getStore()) return fn();
    return this.serialized(async () => {
      await this.run("BEGIN", []);
      try {
        const out = await this.inTransaction.run(true, fn);
        await this.run("COMMIT", []);
        return out;
      } catch (e) {
        await this.run("ROLLBACK", []).catch(() => undefined);
        throw e;
      }
    });
  }

  async append(rows: readonly MetricRow[]): Promise<number> {
    this.assertOpen();
    if (rows.length === 0) return 0;
    checkRows(rows);
    const unique = uniqueRows(rows);
    const mergeAll = async () => {
      let inserted = 0;
      for (let s = 0; s < unique.length; s += MERGE_ROWS) {
        const { sql, binds } = mergeSql(this.table, unique.slice(s, s + MERGE_ROWS));
        inserted += (await this.run(sql, binds)).affected;
      }
      return inserted;
    };
    return unique.length > MERGE_ROWS ? this.transaction(mergeAll) : this.serialized(mergeAll);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.inTransaction.getStore()) await this.tail;
    await new Promise<void>((resolve) => this.conn.destroy(() => resolve()));
  }

  /** One statement; column names lower-cased (Snowflake upper-cases unquoted names), values as Date and number. */
  private run(sql: string, params: unknown[]): Promise<{ rows: QueryRow[]; affected: number }> {
    return new Promise((resolve, reject) => {
      this.conn.execute({
        sqlText: sql,
        binds: params.length > 0 ? (params.map(toBind) as snowflake.Binds) : undefined,
        complete: (err, stmt, rows) => {
          if (err) {
            reject(new StoreError(`${this.at}: Snowflake rejected the SQL: ${err.message}\n--- SQL ---\n${sql}`));
            return;
          }
          const affected = stmt.getNumUpdatedRows?.() ?? -1;
          resolve({ rows: (rows ?? []).map(plainRow), affected: Math.max(affected, 0) });
        },
      });
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(`store ${this.location} is closed`);
  }
}

function toBind(v: unknown): unknown {
  return v instanceof Date ? sqlTimestamp(v) : v;
}

function plainRow(r: Record<string, unknown>): QueryRow {
  const out: QueryRow = {};
  for (const [k, v] of Object.entries(r)) out[k.toLowerCase()] = v instanceof Date ? new Date(v.getTime()) : v;
  return out;
}
