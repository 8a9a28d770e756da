// The store's named queries: the SQL that is not a user template (the jobs' bookkeeping reads, the
// dashboard's, replay's), written once against the dialect contract (dialect.ts) on top of a store's
// query / exec, so every store, a new one included, runs them without writing them.
//nobundling
import { sqlTimestamp, toMillis } from "../core/time.ts";
import { quoteTable } from "./dialect.ts";
import { sqlOf } from "./dialects.ts";
import type { MetricsStore } from "./metrics-store.ts";

const table = (store: MetricsStore) => quoteTable(sqlOf(store), store.tableKey);
/** A `?` parameter holding an instant, as the dialect's timestamp. */
const tsParam = (store: MetricsStore) => sqlOf(store).timestamp("?");

/**
 * Delete the rows of `store`'s table (or of `tableName`) where `condition` holds.
 * @returns how many rows were deleted.
 */
export async function deleteWhere(store: MetricsStore, condition: string, params: unknown[], tableName = table(store)): Promise<number> {
  const d = sqlOf(store);
  if (!d.countsBeforeChange) return store.exec(d.deleteWhere(tableName, condition), params);
  const [{ n }] = await store.query<{ n: number }>(`select count(*) as n from ${tableName} where ${condition}`, params);
  if (Number(n) > 0) await store.exec(d.deleteWhere(tableName, condition), params);
  return Number(n);
}

/**
 * Set `assignments` on the rows of `tableName` where `condition` holds.
 * @returns how many rows matched (and were changed).
 */
export async function updateWhere(
  store: MetricsStore,
  tableName: string,
  assignments: string,
  assignmentParams: unknown[],
  condition: string,
  conditionParams: unknown[],
): Promise<number> {
  const d = sqlOf(store);
  const sql = d.updateWhere(tableName, assignments, condition);
  if (!d.countsBeforeChange) return store.exec(sql, [...assignmentParams, ...conditionParams]);
  const [{ n }] = await store.query<{ n: number }>(`select count(*) as n from ${tableName} where ${condition}`, conditionParams);
  if (Number(n) > 0) await store.exec(sql, [...assignmentParams, ...conditionParams]);
  return Number(n);
}

/** How many metrics of the batch have a value since `since` (plan-shards). */
export async function countMetricsSince(store: MetricsStore, batch: string, since: Date): Promise<number> {
  const [{ n }] = await store.query<{ n: number }>(
    `select count(distinct metric_name) as n from ${table(store)}
     where metric_batch = ? and metric_type = 'metric' and metric_timestamp >= ${tsParam(store)}`,
    [batch, sqlTimestamp(since)],
  );
  return Number(n);
}

/** Per stored metric of the batch, its newest value's time (epoch ms) (plan-shards: names and count in one read). */
export async function newestByMetric(store: MetricsStore, batch: string): Promise<Map<string, number>> {
  const rows = await store.query<{ metric_name: string; newest: unknown }>(
    `select metric_name, max(metric_timestamp) as newest from ${table(store)}
     where metric_batch = ? and metric_type = 'metric' group by metric_name`,
    [batch],
  );
  return new Map(rows.map((r) => [r.metric_name, toMillis(r.newest)]));
}

/** Per metric of the batch, its newest scored point (epoch ms) (train's `last_scored`). */
export async function lastScoredByMetric(store: MetricsStore, batch: string): Promise<Map<string, number>> {
  const rows = await store.query<{ metric_name: string; last_scored: unknown }>(
    `select metric_name, max(metric_timestamp) as last_scored from ${table(store)}
     where metric_batch = ? and metric_type = 'score' group by metric_name`,
    [batch],
  );
  return new Map(rows.map((r) => [r.metric_name, toMillis(r.last_scored)]));
}

export interface HistoryRow {
  metric_timestamp: Date;
  metric_name: string;
  metric_type: string;
  metric_value: number;
}

/** Every row of the batch up to `until`, averaged per (timestamp, metric, type), by metric then time (replay). */
export async function readBatchHistory(store: MetricsStore, batch: string, until: Date): Promise<HistoryRow[]> {
  return store.query<HistoryRow>(
    `select metric_timestamp, metric_name, metric_type, avg(metric_value) as metric_value from ${table(store)}
     where metric_batch = ? and metric_timestamp <= ${tsParam(store)}
     group by metric_timestamp, metric_name, metric_type
     order by metric_name, metric_timestamp`,
    [batch, sqlTimestamp(until)],
  );
}

/** Delete the batch's rows of `types` up to `until` (replay --rescore). @returns how many. */
export async function deleteTypesUntil(store: MetricsStore, batch: string, types: readonly string[], until: Date): Promise<number> {
  return deleteWhere(store, `metric_batch = ? and metric_type in (${types.map(() => "?").join(", ")}) and metric_timestamp <= ${tsParam(store)}`, [
    batch,
    ...types,
    sqlTimestamp(until),
  ]);
}

/** The newest `metric` point of the batch (at or before `until`, when given), or null. */
export async function latestMetricPoint(store: MetricsStore, batch: string, until?: Date): Promise<Date | null> {
  const [row] = await store.query<{ latest: unknown }>(
    `select max(metric_timestamp) as latest from ${table(store)}
     where metric_batch = ? and metric_type = 'metric'${until ? ` and metric_timestamp <= ${tsParam(store)}` : ""}`,
    until ? [batch, sqlTimestamp(until)] : [batch],
  );
  const ms = row?.latest === null || row?.latest === undefined ? Number.NaN : toMillis(row.latest);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

/** Whether the batch has any value of `metric`. */
export async function hasMetric(store: MetricsStore, batch: string, metric: string): Promise<boolean> {
  const [{ n }] = await store.query<{ n: number }>(
    `select count(*) as n from ${table(store)} where metric_batch = ? and metric_name = ? and metric_type = 'metric'`,
    [batch, metric],
  );
  return Number(n) > 0;
}

/** [from, to) widened to its whole second where the store holds whole seconds. */
function span(store: MetricsStore, from: number, to: number): [number, number] {
  if (!sqlOf(store).wholeSeconds) return [from, to];
  const start = Math.floor(from / 1000) * 1000;
  return [start, Math.max(Math.ceil(to / 1000) * 1000, start + 1000)];
}

/** The first stored `type` point of the metric within [from, to) (epoch ms), or null. */
export async function pointWithin(store: MetricsStore, batch: string, metric: string, type: string, from: number, to: number): Promise<Date | null> {
  [from, to] = span(store, from, to);
  const [row] = await store.query<{ ts: unknown }>(
    `select min(metric_timestamp) as ts from ${table(store)}
     where metric_batch = ? and metric_name = ? and metric_type = ?
       and metric_timestamp >= ${tsParam(store)} and metric_timestamp < ${tsParam(store)}`,
    [batch, metric, type, sqlTimestamp(from), sqlTimestamp(to)],
  );
  const ms = row?.ts === null || row?.ts === undefined ? Number.NaN : toMillis(row.ts);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

/** Delete the metric's `type` rows within [from, to) (epoch ms). @returns how many. */
export async function deletePointsWithin(
  store: MetricsStore,
  batch: string,
  metric: string,
  type: string,
  from: number,
  to: number,
): Promise<number> {
  [from, to] = span(store, from, to);
  return deleteWhere(
    store,
    `metric_batch = ? and metric_name = ? and metric_type = ? and metric_timestamp >= ${tsParam(store)} and metric_timestamp < ${tsParam(store)}`,
    [batch, metric, type, sqlTimestamp(from), sqlTimestamp(to)],
  );
}

/** The batch's `type` rows from `from` to `to` (epoch ms, both included), with what the given columns hold. */
export async function readRowsBetween<T>(
  store: MetricsStore,
  columns: string,
  batch: string,
  types: readonly string[],
  from: number,
  to: number,
): Promise<T[]> {
  return store.query<T>(
    `select ${columns} from ${table(store)}
     where metric_batch = ? and metric_type in (${types.map(() => "?").join(", ")})
       and metric_timestamp >= ${tsParam(store)} and metric_timestamp <= ${tsParam(store)}`,
    [batch, ...types, sqlTimestamp(from), sqlTimestamp(to)],
  );
}
