// The alert outbox: one record per alert, channel and destination, in a table beside the metrics table
// (`<table_key>_outbox`). A record is added with its alert's flag row (one transaction), claimed by the
// run that sends it (a conditional update on its version, so two runs never send one record), and
// updated after each attempt. Written over the store's query / exec and its dialect (dialect.ts: column
// types, timestamps, updates), so every store gets it. ClickHouse enforces no keys and updates through
// mutations: there a record is added when no row has its key, and a claim counts its row first.
//nobundling
import { sqlTimestamp, toMillis } from "../core/time.ts";
import { quoteTable, type SqlDialect } from "./dialect.ts";
import { sqlOf } from "./dialects.ts";
import type { MetricsStore } from "./metrics-store.ts";
import { deleteWhere, updateWhere } from "./queries.ts";

export type DeliveryStatus = "pending" | "sending" | "sent" | "failed" | "skipped";

/** One channel + destination of one alert. */
export interface OutboxRecord {
  batch: string;
  metric: string;
  /** The `metric_type` of the alert's flag row (the job that raised it). */
  type: string;
  /** The alert's point (epoch ms): with batch, metric and type, the key of its flag row. */
  timestamp: number;
  channel: string;
  /** The destination ("" when the channel has none). */
  to: string;
  status: DeliveryStatus;
  attempts: number;
  /** When the alert was raised (the job's `now`, epoch ms); the retry window starts here. */
  createdAt: number;
  /** Why the last attempt failed, or why it was never tried. */
  error?: string;
  /** Sent, but with a problem (e.g. some recipients rejected). */
  warning?: string;
  /** Progress of a send that got part-way (a channel's PartialSendError). */
  state?: Record<string, string>;
  /** When it went out (ISO). */
  sentAt?: string;
  /** Bumped by every change: the claim is a conditional update on it. */
  version: number;
}

/** The new-record fields a job plans; the rest start empty. */
export type NewOutboxRecord = Omit<OutboxRecord, "attempts" | "version" | "error" | "warning" | "state" | "sentAt"> & { error?: string };

const KEY_COLUMNS = "metric_batch, metric_name, metric_type, metric_timestamp, channel, destination";

interface Row {
  metric_batch: string;
  metric_name: string;
  metric_type: string;
  metric_timestamp: unknown;
  channel: string;
  destination: string;
  status: string;
  attempts: number;
  created_at: unknown;
  version: number;
  detail: string;
}

/** The condition selecting one record by its key (six `?` parameters: keyParams). */
const keyOf = (d: SqlDialect) =>
  `metric_batch = ? and metric_name = ? and metric_type = ? and metric_timestamp = ${d.timestamp("?")} and channel = ? and destination = ?`;
const keyParams = (r: OutboxRecord | NewOutboxRecord) => [r.batch, r.metric, r.type, sqlTimestamp(r.timestamp), r.channel, r.to];

/** The outbox of one metrics table. Create with {@link openOutbox}. */
export class Outbox {
  private readonly key: string;

  private constructor(
    private readonly store: MetricsStore,
    private readonly table: string,
    private readonly d: SqlDialect,
  ) {
    this.key = keyOf(d);
  }

  /** The outbox beside `store`'s table, created when missing. */
  static async open(store: MetricsStore): Promise<Outbox> {
    const d = sqlOf(store);
    const table = quoteTable(d, `${store.tableKey}_outbox`);
    const { text, int, timestamp } = d.types;
    const nn = d.notNull ? ` ${d.notNull}` : "";
    await store.exec(
      `create table if not exists ${table} (
         metric_batch ${text}${nn}, metric_name ${text}${nn}, metric_type ${text}${nn},
         metric_timestamp ${timestamp}${nn}, channel ${text}${nn}, destination ${text}${nn},
         status ${text}${nn}, attempts ${int}${nn}, created_at ${timestamp}${nn},
         version ${int}${nn}, detail ${text}${nn}${d.primaryKeys ? `,\n         primary key (${KEY_COLUMNS})` : ""}
       )${d.tableOptions(KEY_COLUMNS.split(", "))}`,
    );
    return new Outbox(store, table, d);
  }

  /** Add records not stored yet (a re-run adds nothing). @returns how many were added. */
  async add(records: readonly NewOutboxRecord[]): Promise<number> {
    let added = 0;
    const insert = `insert into ${this.table} (${KEY_COLUMNS}, status, attempts, created_at, version, detail)`;
    const ts = this.d.timestamp("?");
    for (const r of records) {
      const values = [...keyParams(r), r.status, sqlTimestamp(r.createdAt), detailOf(r)];
      if (this.d.onConflictDoNothing) {
        added += await this.store.exec(`${insert} values (?, ?, ?, ${ts}, ?, ?, ?, 0, ${ts}, 0, ?) ${this.d.onConflictDoNothing}`, values);
      } else if (this.d.countsBeforeChange) {
        // no changed-row count: look first (one job adds a batch's records, so no one adds it meanwhile)
        const [{ n }] = await this.store.query<{ n: number }>(`select count(*) as n from ${this.table} where ${this.key}`, keyParams(r));
        if (Number(n) > 0) continue;
        await this.store.exec(`${insert} values (?, ?, ?, ${ts}, ?, ?, ?, 0, ${ts}, 0, ?)`, values);
        added++;
      } else {
        added += await this.store.exec(
          `${insert} select ?, ?, ?, ${ts}, ?, ?, ?, 0, ${ts}, 0, ? where (select count(*) from ${this.table} where ${this.key}) = 0`,
          [...values, ...keyParams(r)],
        );
      }
    }
    return added;
  }

  /**
   * The batch's records still to send: pending ones, and ones claimed by a run that has not finished
   * them for `leaseMs` (it died mid-send), oldest alert first.
   */
  async pending(batch: string, opts: { types?: readonly string[]; now: Date; leaseMs: number }): Promise<OutboxRecord[]> {
    const types = opts.types?.length ? ` and metric_type in (${opts.types.map(() => "?").join(", ")})` : "";
    const rows = await this.store.query<Row>(
      `select metric_batch, metric_name, metric_type, metric_timestamp, channel, destination, status, attempts, created_at, version, detail
       from ${this.table}
       where metric_batch = ?${types} and status in ('pending', 'sending')
       order by metric_timestamp, metric_name, channel, destination`,
      [batch, ...(opts.types ?? [])],
    );
    const stale = opts.now.getTime() - opts.leaseMs;
    return rows.map(recordOf).filter((r) => r.status === "pending" || (r.claimedAt ?? 0) < stale);
  }

  /**
   * Claim `r` for this run: only one of several runs that try wins. The loser must not send it.
   * @returns the claimed record (status `sending`), or undefined when another run got there first.
   */
  async claim(r: OutboxRecord, now: Date): Promise<OutboxRecord | undefined> {
    const claimed: OutboxRecord = { ...r, status: "sending", version: r.version + 1 };
    const changed = await updateWhere(
      this.store,
      this.table,
      "status = 'sending', version = ?, detail = ?",
      [claimed.version, detailOf(claimed, now.getTime())],
      `${this.key} and version = ?`,
      [...keyParams(r), r.version],
    );
    return changed === 1 ? claimed : undefined;
  }

  /** Write the outcome of an attempt on a record this run claimed. */
  async finish(r: OutboxRecord): Promise<void> {
    await updateWhere(
      this.store,
      this.table,
      "status = ?, attempts = ?, version = ?, detail = ?",
      [r.status, r.attempts, r.version + 1, detailOf(r)],
      `${this.key} and version = ?`,
      [...keyParams(r), r.version],
    );
  }

  /** Every record of the batch (tests, `anomstack alerts`). */
  async all(batch: string): Promise<OutboxRecord[]> {
    const rows = await this.store.query<Row>(
      `select metric_batch, metric_name, metric_type, metric_timestamp, channel, destination, status, attempts, created_at, version, detail
       from ${this.table} where metric_batch = ? order by metric_timestamp, metric_name, metric_type, channel, destination`,
      [batch],
    );
    return rows.map(recordOf);
  }

  /** Delete the batch's records of alerts older than `before` (with the delete job's old rows). */
  async deleteBefore(batch: string, before: Date): Promise<number> {
    return deleteWhere(this.store, `metric_batch = ? and metric_timestamp < ${this.d.timestamp("?")}`, [batch, sqlTimestamp(before)], this.table);
  }
}

/** The outbox of `store` (opened once per store). */
export function openOutbox(store: MetricsStore): Promise<Outbox> {
  let o = opened.get(store);
  if (!o) {
    o = Outbox.open(store);
    opened.set(store, o);
    o.catch(() => opened.delete(store));
  }
  return o;
}
const opened = new WeakMap<MetricsStore, Promise<Outbox>>();

/** The record's JSON detail column: what varies per attempt (and, while sending, when it was claimed). */
function detailOf(r: Partial<OutboxRecord>, claimedAt?: number): string {
  const d: Record<string, unknown> = {};
  if (r.error) d.error = r.error;
  if (r.warning) d.warning = r.warning;
  if (r.state && Object.keys(r.state).length) d.state = r.state;
  if (r.sentAt) d.sent_at = r.sentAt;
  if (claimedAt !== undefined) d.claimed_at = claimedAt;
  return JSON.stringify(d);
}

function recordOf(row: Row): OutboxRecord & { claimedAt?: number } {
  let d: { error?: string; warning?: string; state?: Record<string, string>; sent_at?: string; claimed_at?: number } = {};
  try {
    d = JSON.parse(row.detail || "{}");
  } catch {
    // a hand-edited detail: the record is still delivered, without its history
  }
  return {
    batch: row.metric_batch,
    metric: row.metric_name,
    type: row.metric_type,
    timestamp: toMillis(row.metric_timestamp),
    channel: row.channel,
    to: row.destination,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    createdAt: toMillis(row.created_at),
    version: Number(row.version),
    ...(d.error ? { error: d.error } : {}),
    ...(d.warning ? { warning: d.warning } : {}),
    ...(d.state ? { state: d.state } : {}),
    ...(d.sent_at ? { sentAt: d.sent_at } : {}),
    ...(d.claimed_at !== undefined ? { claimedAt: d.claimed_at } : {}),
  };
}
