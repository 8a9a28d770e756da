// The metrics table in SQLite or Turso (batches with `db: sqlite`), through @libsql/client, which runs
// under Node and Bun (Windmill's workers) and speaks to Turso: created when missing with a primary key on
// (batch, name, type, timestamp), idempotent appends (`on conflict do nothing`), transactions.
// Timestamps are UTC text with milliseconds (see dialect.ts); query results give them back as Dates.
//nobundling
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type Client, type InArgs, type ResultSet, type Transaction } from "@libsql/client";
import { checkRows } from "../append-rows.ts";
import type { MetricRow } from "../metric-row.ts";
import { StoreError, type MetricsStore, type QueryRow } from "../metrics-store.ts";
import { quoteTable } from "../dialect.ts";
import { Lane } from "../lane.ts";
import { describeSqlite, type SqliteConnection } from "./connection.ts";
import { SQLITE_TIMESTAMP, sqliteDialect, sqliteTimestampText } from "./dialect.ts";

/** Rows per INSERT: 6 parameters each, well under SQLite's 32,766 parameters per statement. */
const CHUNK_ROWS = 500;
/** How long a writer waits for another process's write lock on the file before failing. */
const BUSY_TIMEOUT_MS = 10_000;

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  connection: SqliteConnection;
  /** Table name (SQLite has no schemas). Default "metrics". */
  tableKey?: string;
}

/** Open (and create if missing) the metrics table in a SQLite file or a Turso database. */
export async function openSqliteStore(opts: SqliteStoreOptions): Promise<MetricsStore> {
  const tableKey = opts.tableKey ?? "metrics";
  let table: string;
  try {
    table = quoteTable(sqliteDialect, tableKey);
  } catch (e) {
    throw new StoreError((e as Error).message);
  }
  const where = describeSqlite(opts.connection);
  const file = localFile(opts.connection.url);
  if (file) {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
    } catch (e) {
      throw new StoreError(`cannot create the folder of SQLite file ${file}: ${(e as Error).message}`);
    }
  }
  let client: Client;
  try {
    client = createClient({ url: opts.connection.url, authToken: opts.connection.authToken, intMode: "number" });
  } catch (e) {
    throw new StoreError(`cannot open SQLite database ${where}: ${(e as Error).message}`);
  }
  const store = new SqliteStore(client, where, tableKey, table, file !== undefined, laneOf(file));
  try {
    await store.prepareConnection();
    await store.ensureTable();
  } catch (e) {
    client.close();
    throw e instanceof StoreError ? e : new StoreError(`cannot open SQLite database ${where}: ${(e as Error).message}`);
  }
  return store;
}

/** The file path of a `file:` URL (undefined for remote and in-memory databases). */
function localFile(url: string): string | undefined {
  if (!url.startsWith("file:") || url.includes(":memory:")) return undefined;
  return url.startsWith("file://") ? fileURLToPath(url) : path.resolve(url.slice("file:".length));
}

type Executor = Client | Transaction;

// The stores of one file in this process take turns: the client's SQLite calls are synchronous, so a
// store waiting on the file's lock would block the very event loop that the holder needs to finish.
const fileLanes = new Map<string, Lane<Transaction>>();
function laneOf(file: string | undefined): Lane<Transaction> {
  if (file === undefined) return new Lane();
  let lane = fileLanes.get(file);
  if (!lane) fileLanes.set(file, (lane = new Lane()));
  return lane;
}

class SqliteStore implements MetricsStore {
  readonly dialect = "sqlite" as const;
  private closed = false;
  constructor(
    private readonly client: Client,
    readonly location: string,
    readonly tableKey: string,
    private readonly table: string,
    private readonly isFile: boolean,
    private readonly lane: Lane<Transaction>,
  ) {}

  /**
   * A writer waits for another process's lock on the file instead of failing at once. The client hands
   * its connection to each transaction and opens a new one, so this runs again after every transaction.
   */
  async prepareConnection(): Promise<void> {
    if (this.isFile) await this.client.execute(`pragma busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }

  async ensureTable(): Promise<void> {
    const t = sqliteDialect.types;
    try {
      await this.client.execute(
        `create table if not exists ${this.table} (
           metric_timestamp ${t.timestamp} not null,
           metric_batch ${t.text} not null,
           metric_name ${t.text} not null,
           metric_type ${t.text} not null,
           metric_value ${t.double} not null,
           metadata ${t.text} not null default '',
           primary key (metric_batch, metric_name, metric_type, metric_timestamp)
         )`,
      );
    } catch (e) {
      throw new StoreError(`cannot create table ${this.tableKey} in ${this.location}: ${(e as Error).message}`);
    }
  }

  private execute(sql: string, params: unknown[] | undefined): Promise<ResultSet> {
    this.assertOpen();
    return this.lane.run((tx) => {
      this.assertOpen();
      const on: Executor = tx ?? this.client;
      return on.execute({ sql, args: (params ?? []).map(toSqliteParam) as InArgs });
    });
  }

  async query<T = QueryRow>(sql: string, params?: unknown[]): Promise<T[]> {
    const rs = await this.execute(sql, params);
    return rs.rows.map((row) => {
      const out: QueryRow = {};
      rs.columns.forEach((c, i) => {
        out[c] = fromSqliteValue(row[i]);
      });
      return out as T;
    });
  }

  async exec(sql: string, params?: unknown[]): Promise<number> {
    return (await this.execute(sql, params)).rowsAffected;
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    this.assertOpen();
    return this.lane.inTransaction(
      () => this.client.transaction("write"),
      async (tx) => {
        await tx.commit();
        tx.close();
        await this.prepareConnection();
      },
      async (tx) => {
        await tx.rollback();
        tx.close();
        await this.prepareConnection();
      },
      fn,
    );
  }

  async append(rows: readonly MetricRow[]): Promise<number> {
    this.assertOpen();
    if (rows.length === 0) return 0;
    checkRows(rows);
    return this.transaction(async () => {
      let inserted = 0;
      for (let s = 0; s < rows.length; s += CHUNK_ROWS) {
        const chunk = rows.slice(s, s + CHUNK_ROWS);
        const args: (string | number)[] = [];
        for (const r of chunk) {
          args.push(sqliteTimestampText(r.metric_timestamp.getTime()), r.metric_batch, r.metric_name, r.metric_type, r.metric_value, r.metadata);
        }
        inserted += await this.exec(
          `insert into ${this.table} (metric_timestamp, metric_batch, metric_name, metric_type, metric_value, metadata)
           values ${chunk.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")}
           on conflict do nothing`,
          args,
        );
      }
      return inserted;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.lane.transaction === undefined) await this.lane.drain();
    this.client.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(`store ${this.location} is closed`);
  }
}

/** Dates as the stored timestamp text, booleans as 0/1; everything else as is. */
function toSqliteParam(v: unknown): unknown {
  if (v instanceof Date) return sqliteTimestampText(v.getTime());
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === undefined) return null;
  return v;
}

/** Stored timestamp text back as a Date (UTC); bigints as numbers. */
function fromSqliteValue(v: unknown): unknown {
  if (typeof v === "string" && SQLITE_TIMESTAMP.test(v)) return new Date(`${v.replace(" ", "T")}Z`);
  if (typeof v === "bigint") return Number(v);
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  return v;
}
