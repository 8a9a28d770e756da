// The metrics table in an embedded DuckDB file: created when missing, idempotent appends, transactions.
// The only module that talks to DuckDB for the store; jobs see the MetricsStore interface.
//nobundling
import { AsyncLocalStorage } from "node:async_hooks";
import fs from "node:fs";
import path from "node:path";
import { DOUBLE, DuckDBDataChunk, DuckDBInstance, INTEGER, type DuckDBConnection } from "@duckdb/node-api";
import type { MetricRow } from "../metric-row.ts";
import { StoreError, quoteTableKey, type MetricsStore, type QueryRow } from "../metrics-store.ts";
import { duckdbOpenArgs, isMotherduckPath, type DuckdbConnection } from "./connection.ts";

// One DuckDB instance per file per process: DuckDB refuses a second writer instance on the same file.
const instances = new Map<string, Promise<DuckDBInstance>>();
// The open stores: a connection keeps its file open (and locked) until it is closed.
const openStores = new Set<DuckdbStore>();
let memoryInstances = 0;

const CHUNK_ROWS = 2048;

/** Options of {@link openDuckdbStore}. */
export interface DuckdbStoreOptions {
  /** DuckDB file path, created (with its folder) when missing; ":memory:" for a throw-away store. */
  path: string;
  /** Table name, optionally `schema.table` (the schema is created too). Default "metrics". */
  tableKey?: string;
  /** MotherDuck's token, for an `md:` path (handed to DuckDB as an option). */
  motherduckToken?: string;
  /**
   * How long to wait for a file another process holds (DuckDB allows one writing process): retries with
   * back-off until then, then fails naming the holder. Default 0: fail at once. The jobs pass
   * ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS (open.ts).
   */
  lockTimeoutMs?: number;
}

/**
 * The stores of one file take turns: one statement or transaction at a time across all of them. Two
 * connections writing at once would conflict at commit (DuckDB's optimistic concurrency); in turn, a
 * second run sees what the first committed (e.g. an alert it already saved).
 */
interface Lane {
  tail: Promise<unknown>;
}
const lanes = new Map<string, Lane>();

async function getInstance(conn: DuckdbConnection, lockTimeoutMs = 0): Promise<{ instance: DuckDBInstance; lane: Lane }> {
  const file = conn.path;
  const key = file === ":memory:" ? `:memory:${memoryInstances++}` : isMotherduckPath(file) ? file : path.resolve(file);
  let inst = instances.get(key);
  if (!inst) {
    inst = createInstance(conn, lockTimeoutMs);
    instances.set(key, inst);
    inst.catch(() => instances.delete(key));
  }
  let lane = lanes.get(key);
  if (!lane) lanes.set(key, (lane = { tail: Promise.resolve() }));
  return { instance: await inst, lane };
}

/** True for DuckDB's error when another process holds the file. */
const isLockError = (e: unknown) => /Could not set lock|Conflicting lock/i.test((e as Error).message ?? "");

async function createInstance(conn: DuckdbConnection, lockTimeoutMs: number): Promise<DuckDBInstance> {
  const file = conn.path;
  if (file !== ":memory:" && !isMotherduckPath(file)) {
    try {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    } catch (e) {
      throw new StoreError(`cannot create the folder of DuckDB file ${file}: ${(e as Error).message}`);
    }
  }
  const started = Date.now();
  // Back-off from 50 ms doubling to 2 s, with jitter so that waiting processes do not retry in step.
  for (let delay = 50; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await DuckDBInstance.create(...duckdbOpenArgs(conn));
    } catch (e) {
      const waited = Date.now() - started;
      if (!isLockError(e) || waited + delay > lockTimeoutMs) throw explainOpenError(file, e as Error, lockTimeoutMs > 0 ? waited : undefined);
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random() / 2)));
    }
  }
}

/** Turn DuckDB's open errors into messages that say what to do. */
function explainOpenError(file: string, e: Error, waitedMs?: number): StoreError {
  const msg = e.message;
  if (isMotherduckPath(file)) {
    return new StoreError(
      `cannot reach MotherDuck database ${file}: ${msg} (DuckDB loads its motherduck extension and signs in with the token: check the network and ANOMSTACK_MOTHERDUCK_TOKEN)`,
    );
  }
  if (/Could not set lock|Conflicting lock/i.test(msg)) {
    const pid = /PID (\d+)/.exec(msg)?.[1];
    return new StoreError(
      `DuckDB file ${file} is locked by another process${pid ? ` (PID ${pid})` : ""}` +
        (waitedMs !== undefined ? `, still after waiting ${(waitedMs / 1000).toFixed(1)} s (ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS)` : "") +
        `; stop that process or set ANOMSTACK_DUCKDB_PATH to another file. DuckDB said: ${msg}`,
    );
  }
  if (/Permission denied|Read-only file system|Cannot open file/i.test(msg)) {
    return new StoreError(`DuckDB file ${file} cannot be opened for writing: ${msg}`);
  }
  return new StoreError(`DuckDB file ${file} cannot be opened: ${msg}`);
}

/** Close every store and DuckDB instance of this process (tests, CLI exit), releasing file locks. */
export async function closeAllDuckdbInstances(): Promise<void> {
  for (const store of [...openStores]) await store.close();
  const all = [...instances.values()];
  instances.clear();
  lanes.clear();
  for (const p of all) {
    try {
      (await p).closeSync();
    } catch {
      // already failed to open: nothing to close
    }
  }
}

/** Open (and create if missing) the metrics table in a DuckDB file. */
export async function openDuckdbStore(opts: DuckdbStoreOptions): Promise<MetricsStore> {
  const tableKey = opts.tableKey ?? "metrics";
  const table = quoteTableKey(tableKey);
  const { instance, lane } = await getInstance({ path: opts.path, motherduckToken: opts.motherduckToken }, opts.lockTimeoutMs);
  const con = await instance.connect();
  const store = new DuckdbStore(con, lane, opts.path, tableKey, table);
  openStores.add(store);
  try {
    await store.ensureTable();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

class DuckdbStore implements MetricsStore {
  private closed = false;
  // The file's lane runs one statement or transaction at a time. Calls made inside a transaction's
  // function (nested transactions, appends) join it; calls from elsewhere wait for it to end, so a
  // concurrent call neither starts a second transaction nor gets rolled back with someone else's.
  private readonly inTransaction = new AsyncLocalStorage<true>();

  constructor(
    private readonly con: DuckDBConnection,
    private readonly lane: Lane,
    readonly location: string,
    readonly tableKey: string,
    readonly table: string,
  ) {}

  readonly dialect = "duckdb" as const;

  async ensureTable(): Promise<void> {
    const schema = this.tableKey.includes(".") ? this.table.split(".")[0] : undefined;
    try {
      if (schema) await this.con.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await this.con.run(
        `CREATE TABLE IF NOT EXISTS ${this.table} (
           metric_timestamp TIMESTAMP NOT NULL,
           metric_batch VARCHAR NOT NULL,
           metric_name VARCHAR NOT NULL,
           metric_type VARCHAR NOT NULL,
           metric_value DOUBLE NOT NULL,
           metadata VARCHAR NOT NULL DEFAULT ''
         )`,
      );
    } catch (e) {
      throw new StoreError(`cannot create table ${this.tableKey} in ${this.location}: ${(e as Error).message}`);
    }
  }

  /** Run `op` now when inside a transaction of this store, else after every earlier call has finished. */
  private serialized<T>(op: () => Promise<T>): Promise<T> {
    if (this.inTransaction.getStore()) return op();
    const run = this.lane.tail.then(() => {
      this.assertOpen();
      return op();
    });
    this.lane.tail = run.catch(() => undefined);
    return run;
  }

  async query<T = QueryRow>(sql: string, params?: unknown[]): Promise<T[]> {
    this.assertOpen();
    return this.serialized(async () => {
      const reader = await this.con.runAndReadAll(sql, params as never);
      return reader.getRowObjectsJS().map((r) => normalizeRow(r)) as T[];
    });
  }

  async exec(sql: string, params?: unknown[]): Promise<number> {
    this.assertOpen();
    return this.serialized(async () => Number((await this.con.run(sql, params as never)).rowsChanged));
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    this.assertOpen();
    // Already inside a transaction: the outer one commits or rolls back everything.
    if (this.inTransaction.getStore()) return fn();
    return this.serialized(async () => {
      await this.con.run("BEGIN TRANSACTION");
      try {
        const out = await this.inTransaction.run(true, fn);
        await this.con.run("COMMIT");
        return out;
      } catch (e) {
        await this.con.run("ROLLBACK").catch(() => undefined);
        throw e;
      }
    });
  }

  /**
   * Rows are staged as numbers (epoch milliseconds) (fast DataChunk appends, no per-value string calls) with ids into small
   * tables of their distinct (batch, name, type) and metadata strings, then inserted with an anti-join
   * on (batch, name, type, timestamp): existing rows and duplicates within `rows` are skipped.
   */
  async append(rows: readonly MetricRow[]): Promise<number> {
    this.assertOpen();
    if (rows.length === 0) return 0;
    const seriesIds = new Map<string, Map<string, Map<string, number>>>(); // batch → type → name → id
    const series: [string, string, string][] = [];
    const metadataIds = new Map<string, number>([["", 0]]);
    const metadata: string[] = [""];
    const millis = new Array<number>(rows.length);
    const sids = new Array<number>(rows.length);
    const mids = new Array<number>(rows.length);
    const values = new Array<number>(rows.length);
    const lastTs: number[] = [];
    let increasing = true; // per series, timestamps strictly increase: then `rows` has no duplicates
    let minTs = Number.POSITIVE_INFINITY;
    let maxTs = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const t = r.metric_timestamp.getTime();
      if (!Number.isFinite(t)) throw new StoreError(`row ${i} (${r.metric_name}) has an invalid timestamp`);
      if (!Number.isFinite(r.metric_value)) {
        throw new StoreError(`row ${i} (${r.metric_name} at ${r.metric_timestamp.toISOString()}) has a non-finite value`);
      }
      let byType = seriesIds.get(r.metric_batch);
      if (!byType) seriesIds.set(r.metric_batch, (byType = new Map()));
      let byName = byType.get(r.metric_type);
      if (!byName) byType.set(r.metric_type, (byName = new Map()));
      let sid = byName.get(r.metric_name);
      if (sid === undefined) {
        sid = series.length;
        byName.set(r.metric_name, sid);
        series.push([r.metric_batch, r.metric_name, r.metric_type]);
      }
      let mid = metadataIds.get(r.metadata);
      if (mid === undefined) {
        mid = metadata.length;
        metadataIds.set(r.metadata, mid);
        metadata.push(r.metadata);
      }
      if (increasing && lastTs[sid] !== undefined && t <= lastTs[sid]) increasing = false;
      lastTs[sid] = t;
      if (t < minTs) minTs = t;
      if (t > maxTs) maxTs = t;
      millis[i] = t;
      sids[i] = sid;
      mids[i] = mid;
      values[i] = r.metric_value;
    }
    return this.transaction(async () => {
      await this.con.run("CREATE OR REPLACE TEMP TABLE anomstack_stage_series (sid INTEGER, b VARCHAR, n VARCHAR, t VARCHAR)");
      await this.con.run("CREATE OR REPLACE TEMP TABLE anomstack_stage_metadata (mid INTEGER, md VARCHAR)");
      await this.con.run("CREATE OR REPLACE TEMP TABLE anomstack_stage_points (ts DOUBLE, sid INTEGER, mid INTEGER, v DOUBLE)");
      const sa = await this.con.createAppender("anomstack_stage_series", "main", "temp");
      series.forEach(([b, n, t], i) => {
        sa.appendInteger(i);
        sa.appendVarchar(b);
        sa.appendVarchar(n);
        sa.appendVarchar(t);
        sa.endRow();
      });
      sa.closeSync();
      const ma = await this.con.createAppender("anomstack_stage_metadata", "main", "temp");
      metadata.forEach((md, i) => {
        ma.appendInteger(i);
        ma.appendVarchar(md);
        ma.endRow();
      });
      ma.closeSync();
      const pa = await this.con.createAppender("anomstack_stage_points", "main", "temp");
      for (let s = 0; s < rows.length; s += CHUNK_ROWS) {
        const e = Math.min(rows.length, s + CHUNK_ROWS);
        const chunk = DuckDBDataChunk.create([DOUBLE, INTEGER, INTEGER, DOUBLE], e - s);
        chunk.setColumns([millis.slice(s, e), sids.slice(s, e), mids.slice(s, e), values.slice(s, e)]);
        pa.appendDataChunk(chunk);
      }
      pa.closeSync();
      // Skip the duplicate checks when they cannot find anything: rows of each series strictly
      // increasing in time, and no stored row of these series in their time range (the usual ingest).
      const [{ n: overlapping }] = await this.query<{ n: number }>(
        `SELECT count(*) AS n FROM ${this.table} m SEMI JOIN anomstack_stage_series k
           ON m.metric_batch = k.b AND m.metric_name = k.n AND m.metric_type = k.t
         WHERE m.metric_timestamp BETWEEN epoch_ms(?::BIGINT) AND epoch_ms(?::BIGINT)`,
        [minTs, maxTs],
      );
      const points = increasing
        ? "anomstack_stage_points"
        : // Duplicates within `rows` collapse on the numeric (timestamp, series id) pair first.
          "(SELECT ts, sid, first(mid) AS mid, first(v) AS v FROM anomstack_stage_points GROUP BY ts, sid)";
      const antiJoin = overlapping > 0 ? `ANTI JOIN ${this.table} m USING (metric_batch, metric_name, metric_type, metric_timestamp)` : "";
      const inserted = await this.exec(
        `INSERT INTO ${this.table}
         SELECT s.* FROM (
           SELECT epoch_ms(p.ts::BIGINT) AS metric_timestamp, k.b AS metric_batch, k.n AS metric_name,
                  k.t AS metric_type, p.v AS metric_value, m.md AS metadata
           FROM ${points} p
           JOIN anomstack_stage_series k USING (sid)
           JOIN anomstack_stage_metadata m USING (mid)
         ) s
         ${antiJoin}`,
      );
      for (const t of ["points", "series", "metadata"]) await this.con.run(`DROP TABLE anomstack_stage_${t}`);
      return inserted;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    openStores.delete(this);
    if (!this.inTransaction.getStore()) await this.lane.tail; // let running calls finish (from inside one, it would wait on itself)
    this.con.closeSync();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(`store ${this.location} is closed`);
  }
}

/** DuckDB BIGINT/HUGEINT come back as bigint; jobs work with numbers. */
function normalizeRow(r: Record<string, unknown>): QueryRow {
  const out: QueryRow = {};
  for (const [k, v] of Object.entries(r)) out[k] = typeof v === "bigint" ? Number(v) : v;
  return out;
}
