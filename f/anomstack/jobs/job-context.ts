// What every job receives: the batch's resolved config, its metrics store, its model store, the alert
// channels, a logger and `now`. Jobs read time only from `now`, never from the clock.
//nobundling
import type { BatchConfig } from "../config/index.ts";
import { renderTemplate } from "../config/index.ts";
import type { AlertChannel } from "../alerts/channel.ts";
import type { LlmSettings } from "../alerts/channel-settings.ts";
import { quoteTableKey, streamColumns, type MetricsStore, type QueryColumns, type QueryRow } from "../store/metrics-store.ts";
import { openMetricsStore } from "../store/open.ts";
import { openModelStore, type ModelStore } from "../store/model-store.ts";
import type { Env } from "../core/env.ts";
import type { Logger } from "../core/log.ts";
import { toMillis, truncateToSecond } from "../core/time.ts";
import { SqlError, TemplateJobError } from "../core/errors.ts";
import { shardOf } from "../core/shard.ts";

export interface JobContext {
  cfg: BatchConfig;
  store: MetricsStore;
  models: ModelStore;
  channels: readonly AlertChannel[];
  log: Logger;
  now: Date;
  /** The job's environment (process.env, overlaid on Windmill with the settings resource). */
  env: Env;
  /** Which shard of the batch's metrics this run handles (train and score); 0 of 1 = all. */
  shard: { index: number; count: number };
  /**
   * The shard's stored metrics as the flow's shard plan listed them (plan_shards), so that each shard
   * does not list the batch's metrics itself; undefined: the shard lists them.
   */
  shardMetrics?: readonly string[];
  /** Anthropic settings for LLM alerts; undefined when no key is configured. */
  llm?: LlmSettings;
  /** Removes the configured secrets from a text (for results and errors; the log is redacted already). */
  redact: (text: string) => string;
  /**
   * The alerting jobs save their alerts but leave them to the `deliver` job of the same run, which sends
   * one message per incident (all kinds of one metric at one point). Else each sends its own.
   */
  deferDelivery: boolean;
}

export interface OpenContextOptions {
  /** Environment with the store's connection settings (default: process.env). */
  env?: Env;
  /** DuckDB file for DuckDB batches (default: from env). */
  duckdbPath?: string;
  now: Date;
  log: Logger;
  channels: readonly AlertChannel[];
  shard?: { index: number; count: number };
  /** The shard's metrics from the shard plan (see {@link JobContext.shardMetrics}). */
  shardMetrics?: readonly string[];
  llm?: LlmSettings;
  redact?: (text: string) => string;
  deferDelivery?: boolean;
  /** The job only reads: a DuckDB file is opened read-only (other readers may read it at once). */
  readOnly?: boolean;
}

/** Open the stores a batch's jobs need. Close with {@link closeJobContext}. */
export async function openJobContext(cfg: BatchConfig, opts: OpenContextOptions): Promise<JobContext> {
  const env = opts.env ?? process.env;
  const store = await openMetricsStore(cfg, env, opts.duckdbPath, { readOnly: opts.readOnly });
  return {
    cfg,
    env,
    store,
    models: openModelStore(cfg.model_path, `${cfg.metric_batch}.model_path`, env),
    channels: opts.channels,
    log: opts.log,
    now: truncateToSecond(opts.now),
    shard: opts.shard ?? { index: 0, count: 1 },
    shardMetrics: opts.shardMetrics,
    llm: opts.llm,
    redact: opts.redact ?? ((text) => text),
    deferDelivery: opts.deferDelivery ?? false,
  };
}

export async function closeJobContext(ctx: JobContext): Promise<void> {
  await ctx.store.close();
}

/** Render one of the batch's SQL templates with `now` and `extra`, naming batch, job and key on failure. */
export function renderJobSql(ctx: JobContext, job: string, key: string, extra: Record<string, unknown> = {}): string {
  try {
    return renderTemplate(ctx.cfg, key, { now: ctx.now, ...extra });
  } catch (e) {
    throw new TemplateJobError(ctx.cfg.metric_batch, job, (e as Error).message, { cause: e });
  }
}

/** Render and run a read template; a failing query reports batch, job and the rendered SQL. */
export async function queryJobSql<T = QueryRow>(ctx: JobContext, job: string, key: string, extra: Record<string, unknown> = {}): Promise<T[]> {
  const sql = renderJobSql(ctx, job, key, extra);
  try {
    return await ctx.store.query<T>(sql);
  } catch (e) {
    throw new SqlError(ctx.cfg.metric_batch, job, sql, e);
  }
}

/** One metric's rows of a job query, column by column, in the query's order (`metric_name` left out). */
export interface MetricSeries {
  /** Epoch milliseconds. */
  metric_timestamp: number[];
  [column: string]: unknown[];
}

/**
 * Render and run a read template, its rows grouped by `metric_name` (in order of first appearance) as
 * columns: what train, score and the alert jobs read, without an object per row.
 */
export async function queryJobSeries(
  ctx: JobContext,
  job: string,
  key: string,
  extra: Record<string, unknown> = {},
): Promise<Map<string, MetricSeries>> {
  const out = new Map<string, MetricSeries>();
  let current: MetricSeries | undefined;
  let currentName: string | undefined;
  // Grouped chunk by chunk as the rows arrive: only one chunk of the result is held besides the series.
  const group = ({ columns, rowCount }: QueryColumns) => {
    const names = (columns.metric_name ?? []) as string[];
    const timestamps = columns.metric_timestamp ?? [];
    const others = Object.keys(columns).filter((c) => c !== "metric_name" && c !== "metric_timestamp");
    for (let i = 0; i < rowCount; i++) {
      const name = names[i];
      // The templates order by metric: look the series up only when the name changes.
      if (current === undefined || name !== currentName) {
        currentName = name;
        current = out.get(name);
        if (!current) {
          current = { metric_timestamp: [] };
          for (const c of others) current[c] = [];
          out.set(name, current);
        }
      }
      current.metric_timestamp.push(toMillis(timestamps[i]));
      for (const c of others) current[c].push(columns[c][i]);
    }
  };
  const shardNames = await shardMetricsForSql(ctx, job, key);
  if (shardNames?.length === 0) return out;
  // The default templates read only this shard's metrics (`shard_metrics`: their per-point sets filter
  // the table scans by name), instead of every shard reading all of them.
  const sql = renderJobSql(ctx, job, key, shardNames ? { ...extra, shard_metrics: shardNames } : extra);
  try {
    await streamColumns(ctx.store, sql, undefined, group);
  } catch (e) {
    throw new SqlError(ctx.cfg.metric_batch, job, sql, e);
  }
  return out;
}

/** The default train and score templates (`{% include './defaults/sql/<job>.sql' %}`): they read the batch's stored metrics by name. */
const DEFAULT_SERIES_TEMPLATE = /^\s*\{%-?\s*include\s+['"](\.\/)?defaults\/sql\/(train|score)\.sql['"]\s*-?%\}\s*$/;

/**
 * The stored metrics of this run's shard, when the job's template is a default one and the batch is
 * sharded; undefined otherwise (a batch's own template is filtered by {@link inShard} after the query).
 * The shard plan's list when the flow passed one, else listed from the store.
 */
async function shardMetricsForSql(ctx: JobContext, job: string, key: string): Promise<string[] | undefined> {
  const template = (ctx.cfg as unknown as Record<string, unknown>)[key];
  if (ctx.shard.count === 1 || typeof template !== "string" || !DEFAULT_SERIES_TEMPLATE.test(template)) return undefined;
  if (ctx.shardMetrics) return ctx.shardMetrics.filter((m) => inShard(ctx, m));
  const sql = `select distinct metric_name from ${quoteTableKey(ctx.store.tableKey)} where metric_batch = ? and metric_type = 'metric'`;
  try {
    const rows = await ctx.store.query<{ metric_name: string }>(sql, [ctx.cfg.metric_batch]);
    return rows.map((r) => r.metric_name).filter((m) => inShard(ctx, m));
  } catch (e) {
    throw new SqlError(ctx.cfg.metric_batch, job, sql, e);
  }
}

/** True when this run's shard handles `metric` (always, when the batch is not sharded). */
export function inShard(ctx: JobContext, metric: string): boolean {
  return ctx.shard.count === 1 || shardOf(metric, ctx.shard.count) === ctx.shard.index;
}

/** Group rows by `metric_name`, keeping their order. */
export function groupByMetric<T extends { metric_name: string }>(rows: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    let list = out.get(r.metric_name);
    if (!list) out.set(r.metric_name, (list = []));
    list.push(r);
  }
  return out;
}
