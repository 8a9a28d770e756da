// The metrics table in ClickHouse (batches with `db: clickhouse`) through @clickhouse/client over HTTP,
// kept to what ClickHouse 18.16 (Debian's package) supports. Created when missing as a
// ReplacingMergeTree ordered by (batch, name, type, timestamp); appends skip the rows already stored
// (ClickHouse enforces no keys, so the store looks them up first); deletes are mutations the store waits
// for. ClickHouse has no transactions: inside `transaction`, appends are held back and written when the
// function succeeds (dropped when it throws); other statements take effect at once.
//nobundling
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from "@clickhouse/client";
import { quoteString } from "../../config/sql-dialect.ts";
import type { MetricRow } from "../metric-row.ts";
import { StoreError, type MetricsStore, type QueryRow } from "../metrics-store.ts";
import { quoteTable } from "../dialect.ts";
import { Lane } from "../lane.ts";
import { describeClickhouse, type ClickhouseConnection } from "./connection.ts";
import { clickhouseDateTime, clickhouseDialect } from "./dialect.ts";

/** Rows per INSERT request. */
const CHUNK_ROWS = 50_000;
/** How long a delete (a mutation, applied in the background) may take before the store gives up. */
const MUTATION_TIMEOUT_MS = 60_000;

export interface ClickhouseStoreOptions {
  connection: ClickhouseConnection;
  /** `table` (in the connection's database) or `database.table` (the database is created too). Default "metrics". */
  tableKey?: string;
}

/** Open (and create if missing) the metrics table on a ClickHouse server. */
export async function openClickhouseStore(opts: ClickhouseStoreOptions): Promise<MetricsStore> {
  const tableKey = opts.tableKey ?? "metrics";
  let table: string;
  try {
    table = quoteTable(clickhouseDialect, tableKey);
  } catch (e) {
    throw new StoreError((e as Error).message);
  }
  const conn = opts.connection;
  const where = describeClickhouse(conn);
  const client = createClient({
    url: conn.url,
    username: conn.user,
    password: conn.password,
    database: conn.database,
    request_timeout: 120_000,
    // Outer joins give NULL (not 0 / '') for a missing match, as in SQL: "not scored yet" stays null.
    clickhouse_settings: { join_use_nulls: 1 },
    // The client would log failed requests itself; the store reports them once, in its own errors.
    log: { level: ClickHouseLogLevel.OFF },
  });
  try {
    const ping = await client.ping();
    if (!ping.success) throw ping.error;
    await client.query({ query: "select 1", format: "JSON" }).then((r) => r.json());
  } catch (e) {
    await client.close().catch(() => undefined);
    throw new StoreError(`cannot connect to ClickHouse at ${where}: ${(e as Error).message}`);
  }
  const store = new ClickhouseStore(client, where, tableKey, table, conn.database);
  try {
    await store.ensureTable();
  } catch (e) {
    await client.close().catch(() => undefined);
    throw e;
  }
  return store;
}

interface Meta {
  name: string;
  type: string;
}

class ClickhouseStore implements MetricsStore {
  readonly dialect = "clickhouse" as const;
  private closed = false;
  private readonly lane = new Lane<MetricRow[]>();

  constructor(
    private readonly client: ClickHouseClient,
    readonly location: string,
    readonly tableKey: string,
    private readonly table: string,
    private readonly database: string,
  ) {}

  async ensureTable(): Promise<void> {
    const t = clickhouseDialect.types;
    try {
      if (this.tableKey.includes(".")) await this.client.command({ query: `create database if not exists ${this.table.split(".")[0]}` });
      await this.client.command({
        query: `create table if not exists ${this.table} (
           metric_timestamp ${t.timestamp},
           metric_batch ${t.text},
           metric_name ${t.text},
           metric_type ${t.text},
           metric_value ${t.double},
           metadata ${t.text} default ''
         ) engine = ReplacingMergeTree() order by (metric_batch, metric_name, metric_type, metric_timestamp)`,
      });
    } catch (e) {
      throw new StoreError(`cannot create table ${this.tableKey} in ${this.location}: ${(e as Error).message}`);
    }
  }

  async query<T = QueryRow>(sql: string, params?: unknown[]): Promise<T[]> {
    this.assertOpen();
    const query = inlineParams(sql, params);
    return this.lane.run(async () => {
      const rs = await this.client.query({ query, format: "JSON" });
      const { meta, data } = (await rs.json()) as { meta: Meta[]; data: Record<string, unknown>[] };
      const convert = meta.map((m) => [m.name, converterOf(m.type)] as const);
      return data.map((row) => {
        const out: QueryRow = {};
        for (const [name, conv] of convert) out[name] = conv(row[name]);
        return out as T;
      });
    });
  }

  /**
   * Run a statement. `alter table ... delete where <condition>` (ClickHouse's delete) is a mutation that
   * runs in the background: the store counts the rows first and waits until it is done, so the caller
   * gets the number of rows deleted and sees them gone, as with the other stores.
   */
  async exec(sql: string, params?: unknown[]): Promise<number> {
    this.assertOpen();
    const statement = inlineParams(sql, params);
    return this.lane.run(async () => {
      const del = /^(?:\s*--[^\n]*\n)*\s*alter\s+table\s+(\S+)\s+delete\s+where\s+([\s\S]+?);?\s*$/i.exec(statement);
      if (!del) {
        await this.client.command({ query: statement });
        // an update is a mutation too: wait for it (its count is the caller's, see SqlDialect.countsBeforeChange)
        const update = /^(?:\s*--[^\n]*\n)*\s*alter\s+table\s+(\S+)\s+update\b/i.exec(statement);
        if (update) await this.waitForMutations(update[1]);
        return 0;
      }
      const [, table, condition] = del;
      const [{ n }] = await this.read<{ n: string }>(`select count() as n from ${table} where ${condition}`);
      if (Number(n) === 0) return 0;
      await this.client.command({ query: statement });
      await this.waitForMutations(table);
      return Number(n);
    });
  }

  private async read<T>(query: string): Promise<T[]> {
    const rs = await this.client.query({ query, format: "JSON" });
    return ((await rs.json()) as { data: T[] }).data;
  }

  /** Wait until the table's mutations are applied (18.16 has no `mutations_sync`). */
  private async waitForMutations(table: string): Promise<void> {
    const parts = table.split(".").map((p) => p.replace(/^["`]|["`]$/g, ""));
    const [db, name] = parts.length === 2 ? parts : [this.database, parts[0]];
    const started = Date.now();
    for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
      const [{ n }] = await this.read<{ n: string }>(
        `select count() as n from system.mutations where database = ${quoteString(db, "clickhouse")} and table = ${quoteString(name, "clickhouse")} and is_done = 0`,
      );
      if (Number(n) === 0) return;
      if (Date.now() - started > MUTATION_TIMEOUT_MS) {
        throw new StoreError(`ClickHouse has not finished deleting from ${table} after ${MUTATION_TIMEOUT_MS / 1000} s (see system.mutations)`);
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** No transactions in ClickHouse: appends made inside `fn` are written together when it succeeds. */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    this.assertOpen();
    return this.lane.inTransaction(
      async (): Promise<MetricRow[]> => [],
      async (held) => {
        await this.insertNew(held);
      },
      async () => undefined,
      fn,
    );
  }

  async append(rows: readonly MetricRow[]): Promise<number> {
    this.assertOpen();
    if (rows.length === 0) return 0;
    const seen = new Set<string>();
    const fresh: MetricRow[] = [];
    rows.forEach((r, i) => {
      const t = r.metric_timestamp.getTime();
      if (!Number.isFinite(t)) throw new StoreError(`row ${i} (${r.metric_name}) has an invalid timestamp`);
      if (!Number.isFinite(r.metric_value)) {
        throw new StoreError(`row ${i} (${r.metric_name} at ${r.metric_timestamp.toISOString()}) has a non-finite value`);
      }
      // DateTime holds whole seconds: a point is its second (the first row of a second wins)
      const second = Math.floor(t / 1000) * 1000;
      const k = key(r.metric_batch, r.metric_name, r.metric_type, second);
      if (seen.has(k)) return;
      seen.add(k);
      fresh.push(second === t ? r : { ...r, metric_timestamp: new Date(second) });
    });
    const held = this.lane.transaction;
    if (held) {
      // inside a transaction: counted now against what is stored and held, written at its end
      const heldKeys = new Set(held.map((r) => key(r.metric_batch, r.metric_name, r.metric_type, r.metric_timestamp.getTime())));
      const stored = await this.storedKeys(fresh);
      const add = fresh.filter((r) => {
        const k = key(r.metric_batch, r.metric_name, r.metric_type, r.metric_timestamp.getTime());
        return !stored.has(k) && !heldKeys.has(k);
      });
      held.push(...add);
      return add.length;
    }
    return this.lane.run(() => this.insertNew(fresh));
  }

  /** Insert the rows whose key is not stored yet. @returns how many were inserted. */
  private async insertNew(rows: readonly MetricRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const stored = await this.storedKeys(rows);
    const add = rows.filter((r) => !stored.has(key(r.metric_batch, r.metric_name, r.metric_type, r.metric_timestamp.getTime())));
    for (let s = 0; s < add.length; s += CHUNK_ROWS) {
      await this.client.insert({
        table: this.table,
        format: "JSONEachRow",
        values: add.slice(s, s + CHUNK_ROWS).map((r) => ({
          metric_timestamp: clickhouseDateTime(r.metric_timestamp.getTime()),
          metric_batch: r.metric_batch,
          metric_name: r.metric_name,
          metric_type: r.metric_type,
          metric_value: r.metric_value,
          metadata: r.metadata,
        })),
      });
    }
    return add.length;
  }

  /** The keys of stored rows of the series of `rows`, within their time span. */
  private async storedKeys(rows: readonly MetricRow[]): Promise<Set<string>> {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    const batches = new Set<string>();
    const names = new Set<string>();
    const types = new Set<string>();
    for (const r of rows) {
      const t = r.metric_timestamp.getTime();
      if (t < min) min = t;
      if (t > max) max = t;
      batches.add(r.metric_batch);
      names.add(r.metric_name);
      types.add(r.metric_type);
    }
    const list = (s: Set<string>) => [...s].map((v) => quoteString(v, "clickhouse")).join(", ");
    const got = await this.read<{ b: string; n: string; t: string; s: number }>(
      `select metric_batch as b, metric_name as n, metric_type as t, toUnixTimestamp(metric_timestamp) as s from ${this.table}
       where metric_batch in (${list(batches)}) and metric_name in (${list(names)}) and metric_type in (${list(types)})
         and metric_timestamp >= toDateTime(${Math.floor(min / 1000)}) and metric_timestamp <= toDateTime(${Math.floor(max / 1000)})`,
    );
    return new Set(got.map((g) => key(g.b, g.n, g.t, Number(g.s) * 1000)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.lane.transaction === undefined) await this.lane.drain();
    await this.client.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(`store ${this.location} is closed`);
  }
}

function key(batch: string, name: string, type: string, ms: number): string {
  return `${batch}\u0001${name}\u0001${type}\u0001${ms}`;
}

/**
 * `?` parameters (outside quotes) written into the SQL as literals: ClickHouse 18.16 has no server-side
 * parameters. Strings are quoted and escaped, Dates become 'YYYY-MM-DD HH:MM:SS' (UTC).
 */
export function inlineParams(sql: string, params: readonly unknown[] | undefined): string {
  if (!params || params.length === 0) return sql;
  let i = 0;
  const out = sql.replace(/'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`|\?/g, (m) => {
    if (m !== "?") return m;
    if (i >= params.length) throw new StoreError(`the SQL has more ? placeholders than the ${params.length} parameters given`);
    return literal(params[i++]);
  });
  if (i !== params.length) throw new StoreError(`the SQL has ${i} ? placeholders but ${params.length} parameters were given`);
  return out;
}

function literal(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (v instanceof Date) return quoteString(clickhouseDateTime(v.getTime()), "clickhouse");
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new StoreError(`parameter ${v} is not a finite number`);
    return String(v);
  }
  if (typeof v === "boolean") return v ? "1" : "0";
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return `[${v.map(literal).join(", ")}]`;
  return quoteString(String(v), "clickhouse");
}

/** How a JSON value of a ClickHouse type becomes a JS value: DateTime → Date (UTC), 64-bit integers → number. */
function converterOf(type: string): (v: unknown) => unknown {
  const inner = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(type)?.[1];
  if (inner) {
    const conv = converterOf(inner);
    return (v) => (v === null ? null : conv(v));
  }
  if (/^DateTime\b/.test(type)) return (v) => (typeof v === "string" ? new Date(`${v.replace(" ", "T")}Z`) : v);
  if (/^Date$/.test(type)) return (v) => (typeof v === "string" ? new Date(`${v}T00:00:00Z`) : v);
  if (/^U?Int(64|128|256)$/.test(type) || /^Decimal/.test(type)) return (v) => (typeof v === "string" ? Number(v) : v);
  return (v) => v;
}
