// The metrics table in an embedded DuckDB file: created when missing, idempotent appends, transactions.
// The only module that talks to DuckDB for the store; jobs see the MetricsStore interface.
//nobundling
import { AsyncLocalStorage } from "node:async_hooks";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { DuckDBConnection, DuckDBDataChunk, DuckDBInstance, DuckDBTimestampValue, DuckDBVector } from "@duckdb/node-api";

type DuckdbApi = typeof import("@duckdb/node-api");
/** The DuckDB package, loaded by the first store opened (commands that open none, e.g. `list`, never load it). */
let duckdb: DuckdbApi | undefined;
import type { MetricColumns, MetricRow } from "../metric-row.ts";
import { StoreError, quoteTableKey, type MetricsStore, type QueryColumns, type QueryRow } from "../metrics-store.ts";
import { duckdbOpenArgs, isMotherduckPath, type DuckdbConnection } from "./connection.ts";

// One DuckDB instance per file per process: DuckDB refuses a second instance of the same file in a
// process. A read-only instance lets other read-only processes open the file at the same time.
interface CachedInstance {
  instance: Promise<DuckDBInstance>;
  readOnly: boolean;
}
const instances = new Map<string, CachedInstance>();
// The open stores: a connection keeps its file open (and locked) until it is closed.
const openStores = new Set<DuckdbStore>();
let memoryInstances = 0;

const CHUNK_ROWS = 2048;

/**
 * DuckDB turns `row_number() over (partition by metric ...) <= n`, how the default templates take each
 * metric's newest points, into a per-group top-n aggregate (its top_n_window_elimination optimizer) that
 * holds every group's rows in lists at once and cannot spill: at 10,000 metrics x 300 points the score,
 * change and train queries took 1-1.5 GB and 1.5-2x the CPU of the plain window it replaces (same rows).
 */
const SESSION_SETTINGS = "SET disabled_optimizers = 'top_n_window_elimination'";

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

/**
 * Under Node, required as the CommonJS package it is: an ESM import would first lex every file its
 * index re-exports (about 0.5 s of CPU per process). Bun needs no such detour.
 */
async function loadDuckdb(): Promise<DuckdbApi> {
  if (process.versions.bun) return await import("@duckdb/node-api");
  return createRequire(import.meta.url)("@duckdb/node-api") as DuckdbApi;
}

/** The file's key in this process's instance cache. */
const instanceKey = (file: string) => (file === ":memory:" || isMotherduckPath(file) ? file : path.resolve(file));

async function getInstance(conn: DuckdbConnection, lockTimeoutMs = 0, readOnly = false): Promise<{ instance: DuckDBInstance; lane: Lane }> {
  const file = conn.path;
  const key = file === ":memory:" ? `:memory:${memoryInstances++}` : instanceKey(file);
  let cached = instances.get(key);
  if (cached?.readOnly && !readOnly) {
    // A writer after readers in this process (the local dashboard's feedback): reopen for writing.
    if ([...openStores].some((s) => s.key === key)) {
      throw new StoreError(`DuckDB file ${file} is open read-only in this process; close its readers before writing`);
    }
    instances.delete(key);
    await lanes.get(key)?.tail;
    (await cached.instance.catch(() => null))?.closeSync();
    cached = undefined;
  }
  if (!cached) {
    cached = { instance: createInstance(conn, lockTimeoutMs, readOnly), readOnly };
    instances.set(key, cached);
    cached.instance.catch(() => instances.delete(key));
  }
  let lane = lanes.get(key);
  if (!lane) lanes.set(key, (lane = { tail: Promise.resolve() }));
  return { instance: await cached.instance, lane };
}

/** True for DuckDB's error when another process holds the file. */
const isLockError = (e: unknown) => /Could not set lock|Conflicting lock/i.test((e as Error).message ?? "");

async function createInstance(conn: DuckdbConnection, lockTimeoutMs: number, readOnly: boolean): Promise<DuckDBInstance> {
  const file = conn.path;
  if (file !== ":memory:" && !isMotherduckPath(file) && !readOnly) {
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
      const [target, options] = duckdbOpenArgs(conn);
      duckdb ??= await loadDuckdb();
      return await duckdb.DuckDBInstance.create(target, readOnly ? { ...options, access_mode: "READ_ONLY" } : options);
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
      (await p.instance).closeSync();
    } catch {
      // already failed to open: nothing to close
    }
  }
}

/** A new connection with {@link SESSION_SETTINGS} (a DuckDB without that optimizer keeps its defaults). */
async function connect(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const con = await instance.connect();
  await con.run(SESSION_SETTINGS).catch(() => undefined);
  return con;
}

/** Open (and create if missing) the metrics table in a DuckDB file. */
export async function openDuckdbStore(opts: DuckdbStoreOptions): Promise<MetricsStore> {
  const tableKey = opts.tableKey ?? "metrics";
  const table = quoteTableKey(tableKey);
  const { instance, lane } = await getInstance({ path: opts.path, motherduckToken: opts.motherduckToken }, opts.lockTimeoutMs);
  const con = await connect(instance);
  const store = new DuckdbStore(con, lane, opts.path, tableKey, table, instanceKey(opts.path));
  openStores.add(store);
  try {
    await store.ensureTable();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

/**
 * Open the metrics table of a DuckDB file for reading only (the dashboard): creates nothing, lets other
 * read-only processes read the file at the same time, and returns null when the file or the table does
 * not exist yet. Reuses this process's instance when the file is already open for writing.
 */
export async function openDuckdbReader(opts: DuckdbStoreOptions): Promise<MetricsStore | null> {
  if (opts.path !== ":memory:" && !isMotherduckPath(opts.path) && !fs.existsSync(opts.path)) return null;
  const tableKey = opts.tableKey ?? "metrics";
  const { instance, lane } = await getInstance({ path: opts.path, motherduckToken: opts.motherduckToken }, opts.lockTimeoutMs, true);
  const con = await connect(instance);
  const store = new DuckdbStore(con, lane, opts.path, tableKey, quoteTableKey(tableKey), instanceKey(opts.path));
  openStores.add(store);
  const [schema, name] = tableKey.includes(".") ? tableKey.split(".") : ["main", tableKey];
  const [found] = await store.query<{ n: number }>(
    "select count(*)::INTEGER as n from information_schema.tables where table_schema = ? and table_name = ?",
    [schema, name],
  );
  if (found.n > 0) return store;
  await store.close();
  return null;
}

/** Staged points: epoch ms, series id, metadata id, value (plain arrays or typed ones). */
interface PointsPart {
  millis: ArrayLike<number>;
  sids: ArrayLike<number>;
  mids: ArrayLike<number>;
  values: ArrayLike<number>;
  length: number;
}

/** Points staged for an insert: series and metadata as ids into their lists. */
interface StagedPoints {
  series: [string, string, string][];
  metadata: string[];
  parts: PointsPart[];
  /** Per series, timestamps strictly increase: no duplicates within the points. */
  increasing: boolean;
  minTs: number;
  maxTs: number;
}

/**
 * Columns of one batch and type staged for {@link DuckdbStore.insertStaged}, added in one or more calls,
 * kept as typed arrays of {@link CHUNK_ROWS} points (24 bytes a point, the appender's chunks as they are).
 */
class ColumnStaging implements StagedPoints {
  readonly series: [string, string, string][] = [];
  readonly metadata: string[] = [""];
  readonly parts: PointsPart[] = [];
  count = 0;
  increasing = true;
  minTs = Number.POSITIVE_INFINITY;
  maxTs = Number.NEGATIVE_INFINITY;
  private readonly seriesIds = new Map<string, number>();
  private readonly metadataIds = new Map<string, number>([["", 0]]);
  private readonly lastTs: number[] = [];

  constructor(
    private readonly batch: string,
    private readonly type: string,
  ) {}

  add(columns: MetricColumns): void {
    const n = columns.metric_timestamp.length;
    let part = this.parts.at(-1);
    for (let k = 0; k < n; k++) {
      const i = this.count; // the row's number among all calls
      const t = columns.metric_timestamp[k];
      const name = columns.metric_name[k];
      const v = columns.metric_value[k];
      if (!Number.isFinite(t)) throw new StoreError(`row ${i} (${name}) has an invalid timestamp`);
      if (!Number.isFinite(v)) throw new StoreError(`row ${i} (${name} at ${new Date(t).toISOString()}) has a non-finite value`);
      let sid = this.seriesIds.get(name);
      if (sid === undefined) {
        sid = this.series.length;
        this.seriesIds.set(name, sid);
        this.series.push([this.batch, name, this.type]);
      }
      const md = columns.metadata[k];
      let mid = this.metadataIds.get(md);
      if (mid === undefined) {
        mid = this.metadata.length;
        this.metadataIds.set(md, mid);
        this.metadata.push(md);
      }
      if (this.increasing && this.lastTs[sid] !== undefined && t <= this.lastTs[sid]) this.increasing = false;
      this.lastTs[sid] = t;
      if (t < this.minTs) this.minTs = t;
      if (t > this.maxTs) this.maxTs = t;
      if (!part || part.length === CHUNK_ROWS) {
        part = {
          millis: new Float64Array(CHUNK_ROWS),
          sids: new Int32Array(CHUNK_ROWS),
          mids: new Int32Array(CHUNK_ROWS),
          values: new Float64Array(CHUNK_ROWS),
          length: 0,
        };
        this.parts.push(part);
      }
      const j = part.length++;
      (part.millis as Float64Array)[j] = t;
      (part.sids as Int32Array)[j] = sid;
      (part.mids as Int32Array)[j] = mid;
      (part.values as Float64Array)[j] = v;
      this.count++;
    }
  }
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
    /** The file's key in this process's instance cache. */
    readonly key: string,
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

  /** The result column by column, streamed chunk by chunk: no row objects, timestamps as epoch ms. */
  async queryColumns(sql: string, params?: unknown[]): Promise<QueryColumns> {
    const columns: Record<string, unknown[]> = {};
    let rowCount = 0;
    await this.streamColumns(sql, params, (chunk) => {
      for (const [name, values] of Object.entries(chunk.columns)) {
        const all = (columns[name] ??= []);
        for (const v of values) all.push(v);
      }
      rowCount += chunk.rowCount;
    });
    return { rowCount, columns };
  }

  /** {@link queryColumns} a chunk (about 2,048 rows) at a time: only one chunk's values are held at once. */
  async streamColumns(sql: string, params: unknown[] | undefined, onChunk: (chunk: QueryColumns) => void): Promise<void> {
    this.assertOpen();
    return this.serialized(async () => {
      const result = await this.con.stream(sql, params as never);
      const names = result.columnNames();
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const columns: Record<string, unknown[]> = {};
        names.forEach((n, c) => {
          columns[n] = [];
          appendColumn(chunk, c, columns[n]);
        });
        onChunk({ rowCount: chunk.rowCount, columns });
      }
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
    return this.insertStaged({ series, metadata, parts: [{ millis, sids, mids, values, length: rows.length }], increasing, minTs, maxTs });
  }

  /** {@link append} of one batch and type given as columns: the same checks and staging, no row objects. */
  async appendColumns(batch: string, type: string, columns: MetricColumns): Promise<number> {
    this.assertOpen();
    if (columns.metric_timestamp.length === 0) return 0;
    const staging = new ColumnStaging(batch, type);
    staging.add(columns);
    return this.insertStaged(staging);
  }

  /**
   * A read query's rows, as `wrangle` makes them, appended as {@link appendColumns} appends them: the
   * query streamed a chunk at a time, each chunk wrangled and staged as numbers, so neither the result
   * nor its rows are held at once (a cold ingest of millions of rows). `done` runs after the last chunk,
   * before anything is stored; if it throws, nothing is.
   */
  async appendFromQuery(
    sql: string,
    batch: string,
    type: string,
    wrangle: (chunk: QueryColumns) => MetricColumns,
    done: () => void,
  ): Promise<number> {
    this.assertOpen();
    const staging = new ColumnStaging(batch, type);
    await this.streamColumns(sql, undefined, (chunk) => staging.add(wrangle(chunk)));
    done();
    return staging.count === 0 ? 0 : this.insertStaged(staging);
  }

  /** Insert staged points (series and metadata as ids into their lists) in one transaction; returns how many were new. */
  private insertStaged(staged: StagedPoints): Promise<number> {
    const { series, metadata, parts, increasing, minTs, maxTs } = staged;
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
      const api = duckdb!; // loaded: this store has an instance
      const pa = await this.con.createAppender("anomstack_stage_points", "main", "temp");
      for (const { millis, sids, mids, values, length } of parts) {
        for (let s = 0; s < length; s += CHUNK_ROWS) {
          const e = Math.min(length, s + CHUNK_ROWS);
          const chunk = api.DuckDBDataChunk.create([api.DOUBLE, api.INTEGER, api.INTEGER, api.DOUBLE], e - s);
          // Plain or typed arrays: the chunk reads them by index.
          chunk.setColumns([millis, sids, mids, values].map((c) => Array.prototype.slice.call(c, s, e)));
          pa.appendDataChunk(chunk);
        }
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

// DuckDB type ids (DuckDBTypeId) read straight from their vectors; other types go through the JS converter.
const NUMBER_TYPES = new Set([1, 2, 3, 4, 6, 7, 8, 10, 11]); // BOOLEAN, TINYINT..INTEGER, UTINYINT..UINTEGER, FLOAT, DOUBLE
const BIGINT_TYPES = new Set([5, 9]); // BIGINT, UBIGINT
const DOUBLE = 11;
const TIMESTAMP = 12;
const VARCHAR = 17;

/**
 * The vector's rows that are not NULL, one byte per row (1 = a value), read from its validity bitmask
 * once per chunk instead of a BigInt test per value; null when every row has a value. Undefined when
 * this version of @duckdb/node-api keeps the mask elsewhere: the caller then reads value by value.
 */
function validRows(vector: DuckDBVector, n: number): Uint8Array | null | undefined {
  const validity = (vector as unknown as { validity?: { data?: unknown; offset?: unknown } }).validity;
  if (validity?.offset !== 0) return undefined;
  const data = validity.data;
  if (data === null) return null;
  if (!(data instanceof BigUint64Array) || data.length * 64 < n) return undefined;
  const out = new Uint8Array(n);
  for (let w = 0; w * 64 < n; w++) {
    const word = data[w];
    const lo = Number(word & 0xffffffffn);
    const hi = Number(word >> 32n);
    const end = Math.min(64, n - w * 64);
    for (let b = 0; b < end; b++) out[w * 64 + b] = ((b < 32 ? lo >>> b : hi >>> (b - 32)) & 1) as 0 | 1;
  }
  return out;
}

/** The vector's values as the typed array it wraps (its `items`), when it has one of `n` rows; else undefined. */
function typedItems<T extends Float64Array | BigInt64Array>(vector: DuckDBVector, type: { new (...a: never[]): T }, n: number): T | undefined {
  const items = (vector as unknown as { items?: unknown }).items;
  return items instanceof type && items.length === n ? items : undefined;
}

/** Epoch milliseconds of DuckDB microseconds, as the JS converter gives them (truncated toward zero). */
function microsToMillis(micros: bigint): number {
  const m = Number(micros);
  // Exact in doubles below 2^53 (the remainder and the division are exact there); else BigInt division.
  return Number.isSafeInteger(m) ? (m - (m % 1000)) / 1000 : Number(micros / 1000n);
}

/**
 * The strings of a VARCHAR vector, a row that repeats the row before it (same 16-byte string slot:
 * same length and inlined bytes, or same length, prefix and pointer) reusing that row's string instead
 * of decoding it again: the job queries return each metric's name on every one of its rows.
 */
function appendStrings(vector: DuckDBVector, n: number, out: unknown[]): boolean {
  const view = (vector as unknown as { dataView?: unknown }).dataView;
  const valid = validRows(vector, n);
  if (!(view instanceof DataView) || view.byteLength < n * 16 || valid === undefined) return false;
  let previous: unknown = null;
  for (let i = 0; i < n; i++) {
    if (valid && !valid[i]) {
      out.push(null);
      previous = null;
      continue;
    }
    const o = i * 16;
    if (
      i > 0 &&
      previous !== null &&
      view.getUint32(o, true) === view.getUint32(o - 16, true) &&
      view.getUint32(o + 4, true) === view.getUint32(o - 12, true) &&
      view.getUint32(o + 8, true) === view.getUint32(o - 8, true) &&
      view.getUint32(o + 12, true) === view.getUint32(o - 4, true)
    ) {
      out.push(previous);
      continue;
    }
    previous = vector.getItem(i);
    out.push(previous);
  }
  return true;
}

/** Append column `c` of `chunk` to `out`: numbers, strings, timestamps as epoch ms, null for NULL. */
function appendColumn(chunk: DuckDBDataChunk, c: number, out: unknown[]): void {
  const vector = chunk.getColumnVector(c);
  const typeId = vector.type.typeId as number;
  const n = chunk.rowCount;
  if (typeId === DOUBLE) {
    const items = typedItems(vector, Float64Array, n);
    const valid = items && validRows(vector, n);
    if (items && valid !== undefined) {
      for (let i = 0; i < n; i++) out.push(valid && !valid[i] ? null : items[i]);
      return;
    }
  } else if (typeId === TIMESTAMP) {
    const items = typedItems(vector, BigInt64Array, n);
    const valid = items && validRows(vector, n);
    if (items && valid !== undefined) {
      for (let i = 0; i < n; i++) out.push(valid && !valid[i] ? null : microsToMillis(items[i]));
      return;
    }
  } else if (typeId === VARCHAR && appendStrings(vector, n, out)) {
    return;
  }
  if (NUMBER_TYPES.has(typeId) || typeId === VARCHAR) {
    for (let i = 0; i < n; i++) out.push(vector.getItem(i));
  } else if (BIGINT_TYPES.has(typeId)) {
    for (let i = 0; i < n; i++) {
      const v = vector.getItem(i) as bigint | null;
      out.push(v === null ? null : Number(v));
    }
  } else if (typeId === TIMESTAMP) {
    // As the JS converter does (micros / 1000 as a bigint), without a Date per value.
    for (let i = 0; i < n; i++) {
      const v = vector.getItem(i) as DuckDBTimestampValue | null;
      out.push(v === null ? null : microsToMillis(v.micros));
    }
  } else {
    for (const v of chunk.convertColumnValues(c, duckdb!.JSDuckDBValueConverter)) {
      out.push(typeof v === "bigint" ? Number(v) : v instanceof Date ? v.getTime() : v);
    }
  }
}

/** DuckDB BIGINT/HUGEINT come back as bigint; jobs work with numbers. */
function normalizeRow(r: Record<string, unknown>): QueryRow {
  const out: QueryRow = {};
  for (const [k, v] of Object.entries(r)) out[k] = typeof v === "bigint" ? Number(v) : v;
  return out;
}
