// The metrics table in BigQuery (batches with `db: bigquery`), through @google-cloud/bigquery: the
// dataset must exist, the table is created when missing, appends are one MERGE per 1,000 rows (a re-run
// inserts nothing), and transactions are BigQuery multi-statement transactions inside a session.
//nobundling
import { AsyncLocalStorage } from "node:async_hooks";
import { BigQuery, type BigQueryOptions, type Query } from "@google-cloud/bigquery";
import { OAuth2Client } from "google-auth-library";
import type { MetricRow } from "../metric-row.ts";
import { StoreError, type MetricsStore, type QueryRow } from "../metrics-store.ts";
import { checkRows, uniqueRows } from "../append-rows.ts";
import { sqlTimestamp } from "../../core/time.ts";
import { describeBigquery, type BigqueryConnection } from "./connection.ts";
import { MERGE_ROWS, createTableSql, mergeSql, parseTableKey, quoteTable, type BigqueryTableRef } from "./dialect.ts";

/** Options of {@link openBigqueryStore}. */
export interface BigqueryStoreOptions {
  connection: BigqueryConnection;
  /** `dataset.table` or `project.dataset.table`. */
  tableKey: string;
  /** The batch, for messages. */
  batch: string;
}

/** The client options of a connection: the credential it has, and the endpoint. */
export function clientOptions(conn: BigqueryConnection): BigQueryOptions {
  const opts: BigQueryOptions = { projectId: conn.projectId, location: conn.location, apiEndpoint: conn.apiEndpoint };
  if (conn.maxRetries !== undefined) opts.retryOptions = { autoRetry: conn.maxRetries > 0, maxRetries: conn.maxRetries };
  if (conn.accessToken) {
    // A token the caller already holds: google-auth-library sends it as is (no refresh without a refresh token).
    const client = new OAuth2Client();
    client.setCredentials({ access_token: conn.accessToken });
    opts.authClient = client;
  } else if (conn.credentials) {
    opts.credentials = conn.credentials as BigQueryOptions["credentials"];
  } else if (conn.keyFilename) {
    opts.keyFilename = conn.keyFilename;
  }
  return opts;
}

/** Open the metrics table in BigQuery: checks the dataset, creates the table when missing. */
export async function openBigqueryStore(opts: BigqueryStoreOptions): Promise<MetricsStore> {
  const ref = parseTableKey(opts.tableKey, opts.batch, opts.connection.projectId);
  const client = new BigQuery(clientOptions({ ...opts.connection, projectId: opts.connection.projectId ?? ref.project }));
  const store = new BigqueryStore(client, opts, ref);
  await store.ensureTable();
  return store;
}

/** The session a transaction runs in (its queries carry the session id). */
interface Session {
  id: string;
}

class BigqueryStore implements MetricsStore {
  readonly dialect = "bigquery" as const;
  readonly location: string;
  readonly tableKey: string;
  /** The table's quoted path, e.g. `` `proj`.`metrics`.`metrics` ``. */
  readonly table: string;
  private readonly batch: string;
  private closed = false;
  private readonly session = new AsyncLocalStorage<Session>();
  // One transaction at a time per store: BigQuery would run two, but the second would conflict.
  private txTail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: BigQuery,
    opts: BigqueryStoreOptions,
    private readonly ref: BigqueryTableRef,
  ) {
    this.location = describeBigquery({ ...opts.connection, projectId: client.projectId });
    this.tableKey = opts.tableKey;
    this.table = quoteTable(ref);
    this.batch = opts.batch;
  }

  async ensureTable(): Promise<void> {
    let exists: boolean;
    try {
      [exists] = await this.client.dataset(this.ref.dataset, { projectId: this.ref.project }).exists();
    } catch (e) {
      throw this.explain(e, "checking the dataset");
    }
    if (!exists) {
      throw new StoreError(
        `${this.batch}.table_key "${this.tableKey}": dataset ${this.ref.project}.${this.ref.dataset} does not exist in ${this.location}; create it (bq mk --dataset ${this.ref.project}:${this.ref.dataset})`,
      );
    }
    await this.run(createTableSql(this.table), []);
  }

  async query<T = QueryRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    this.assertOpen();
    return (await this.run(sql, params)).rows as T[];
  }

  async exec(sql: string, params: unknown[] = []): Promise<number> {
    this.assertOpen();
    return (await this.run(sql, params)).affected;
  }

  /**
   * A multi-statement transaction: BEGIN in a new session, every statement of `fn` in that session, COMMIT
   * (or ROLLBACK when `fn` throws), then the session is ended. Nested calls join the outer one.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.session.getStore()) return fn();
    const run = this.txTail.then(async () => {
      const session = { id: await this.beginSession() };
      try {
        const out = await this.session.run(session, fn);
        await this.run("COMMIT TRANSACTION", [], { session });
        return out;
      } catch (e) {
        await this.run("ROLLBACK TRANSACTION", [], { session }).catch(() => undefined);
        throw e;
      } finally {
        await this.run("CALL BQ.ABORT_SESSION()", [], { session }).catch(() => undefined);
      }
    });
    this.txTail = run.catch(() => undefined);
    return run;
  }

  /**
   * BEGIN TRANSACTION as a query job that creates a session (jobs.insert): the job's statistics carry the
   * session id whichever way the client would run other queries.
   */
  private async beginSession(): Promise<string> {
    try {
      const [job] = await this.client.createQueryJob({ query: "BEGIN TRANSACTION", createSession: true, location: this.client.location });
      await job.getQueryResults();
      const id = (job.metadata as { statistics?: { sessionInfo?: { sessionId?: string } } } | undefined)?.statistics?.sessionInfo?.sessionId;
      if (!id) throw new StoreError(`${this.batch}: BigQuery did not open a session for the transaction (${this.location})`);
      return id;
    } catch (e) {
      throw e instanceof StoreError ? e : this.explain(e, "beginning a transaction", "BEGIN TRANSACTION");
    }
  }

  /** One MERGE per chunk of unique rows; more than one chunk runs in one transaction. */
  async append(rows: readonly MetricRow[]): Promise<number> {
    this.assertOpen();
    if (rows.length === 0) return 0;
    checkRows(rows);
    const unique = uniqueRows(rows);
    const mergeAll = async () => {
      let inserted = 0;
      for (let s = 0; s < unique.length; s += MERGE_ROWS) {
        const { sql, params } = mergeSql(this.table, unique.slice(s, s + MERGE_ROWS));
        inserted += await this.exec(sql, params);
      }
      return inserted;
    };
    return unique.length > MERGE_ROWS ? this.transaction(mergeAll) : mergeAll();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.txTail.catch(() => undefined);
  }

  /** Run one statement (in the current transaction's session, if any); rows are converted to plain JS values. */
  private async run(sql: string, params: unknown[], opts: { session?: Session } = {}): Promise<{ rows: QueryRow[]; affected: number }> {
    const session = opts.session ?? this.session.getStore();
    const query: Query = { query: sql, location: this.client.location };
    if (params.length > 0) query.params = params.map(toParam);
    if (session) query.connectionProperties = [{ key: "session_id", value: session.id }];
    try {
      const [rows, , response] = (await this.client.query(query)) as unknown as [
        Record<string, unknown>[],
        unknown,
        { numDmlAffectedRows?: string } | undefined,
      ];
      return { rows: rows.map(plainRow), affected: Number(response?.numDmlAffectedRows ?? 0) };
    } catch (e) {
      throw this.explain(e, "running", sql);
    }
  }

  /** A client error as a message naming the batch, the key and what went wrong (with the SQL for SQL errors). */
  private explain(e: unknown, doing: string, sql?: string): StoreError {
    const err = e as { code?: number | string; message?: string; errors?: { reason?: string; message?: string }[] };
    const msg = err.message ?? String(e);
    const reason = err.errors?.[0]?.reason;
    const at = `${this.batch} (table_key ${this.tableKey}, ${this.location})`;
    if (typeof err.code === "string" || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|socket hang up/.test(msg)) {
      return new StoreError(`${at}: cannot reach BigQuery while ${doing}: ${msg}`);
    }
    if (err.code === 401 || reason === "authError" || /default credentials|invalid_grant|unauthorized/i.test(msg)) {
      return new StoreError(
        `${at}: BigQuery refused the credentials (set ANOMSTACK_GOOGLE_APPLICATION_CREDENTIALS or _JSON to a service-account key, or a bigquery resource in the settings): ${msg}`,
      );
    }
    if (err.code === 403 || reason === "accessDenied") return new StoreError(`${at}: BigQuery denied access while ${doing}: ${msg}`);
    if (sql) return new StoreError(`${at}: BigQuery rejected the SQL: ${msg}\n--- SQL ---\n${sql}`);
    return new StoreError(`${at}: BigQuery failed while ${doing}: ${msg}`);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(`store ${this.location} is closed`);
  }
}

/** Parameters as BigQuery infers them: Dates become UTC timestamp text (the SQL casts it). */
function toParam(v: unknown): unknown {
  return v instanceof Date ? sqlTimestamp(v) : v;
}

/** The client's value classes (BigQueryTimestamp, BigQueryDate, Big for NUMERIC) as Date and number. */
function plainRow(r: Record<string, unknown>): QueryRow {
  const out: QueryRow = {};
  for (const [k, v] of Object.entries(r)) out[k] = plainValue(v);
  return out;
}

function plainValue(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (v instanceof Date) return v;
  const name = v.constructor?.name;
  if (name === "BigQueryTimestamp" || name === "BigQueryDatetime") {
    const text = (v as { value: string }).value;
    return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  }
  if (name === "BigQueryDate") return new Date(`${(v as { value: string }).value}T00:00:00Z`);
  if (name === "Big") return Number(String(v));
  return v;
}
