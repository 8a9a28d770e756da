// Ingest job: run the batch's `ingest_sql` or call its TypeScript `ingest_fn`,
// validate what came back and append it to the metrics table in one transaction.
//nobundling
import { importFile } from "../core/module-import.ts";
import path from "node:path";
import { ConfigJobError, DataError, JobError, SqlError, errorMessage } from "../core/errors.ts";
import { renderJobSql, type JobContext } from "./job-context.ts";
import { bundledModule } from "../config/source.ts";
import { IngestColumnsChecker, IngestDataError, wrangleIngested, type WrangleOptions } from "./wrangle.ts";
import { appendColumns, queryColumns, StoreError, type QueryColumns } from "../store/metrics-store.ts";
import { createIngestHttp, SourceError } from "../core/http.ts";
import type { IngestFunction } from "../core/batch-api.ts";
import { isStale } from "../config/index.ts";
import { staleNotice } from "../alerts/format.ts";
import { readLatestPoint } from "../store/alert-rows.ts";
import { openOutbox } from "../store/outbox.ts";

export type { IngestFunction } from "../core/batch-api.ts";

export interface IngestResult {
  job: "ingest";
  batch: string;
  rows: number;
  inserted: number;
  metrics: number;
  warnings: string[];
  /** No new point for more than stale_after_n_periods ingest periods. */
  stale: boolean;
}

/** The variables of `requires_env` that are not set (empty counts as not set). */
export function missingEnv(cfg: { requires_env?: readonly string[] }, env: Record<string, string | undefined>): string[] {
  return (cfg.requires_env ?? []).filter((name) => !env[name]);
}

/**
 * Fetch the raw rows of one ingest at `ctx.now`, without validating them. Notes of the ingest function
 * (`warn`, skipped sources) go to `warnings`.
 */
export async function fetchIngestRows(ctx: JobContext, warnings: string[] = []): Promise<unknown> {
  const { cfg } = ctx;
  checkRequiredEnv(ctx);
  if (cfg.ingest_sql) {
    const sql = renderJobSql(ctx, "ingest", "ingest_sql");
    // ingest_sql runs on the batch's db, which is also where its metrics table lives (ctx.store).
    try {
      return await ctx.store.query(sql);
    } catch (e) {
      throw new SqlError(cfg.metric_batch, "ingest", sql, e);
    }
  }
  if (cfg.ingest_fn) {
    const fn = await loadIngestFunction(cfg.source_dir, cfg.ingest_fn, cfg.metric_batch);
    const warn = (message: string) => {
      warnings.push(message);
      ctx.log.warn(message);
    };
    const http = createIngestHttp({ batch: cfg.metric_batch, warn });
    try {
      return await fn({ now: new Date(ctx.now.getTime()), env: ctx.env, batch: cfg.metric_batch, http, warn });
    } catch (e) {
      // A source's error already names the batch: say where, not who, again.
      const message = e instanceof SourceError ? `${e.method} ${e.url}: ${e.reason}` : errorMessage(e);
      const own = `${cfg.metric_batch}: `;
      const why = message.startsWith(own) ? message.slice(own.length) : message;
      throw new JobError(cfg.metric_batch, "ingest", `ingest_fn ${cfg.ingest_fn} threw: ${why}`, { cause: e });
    }
  }
  throw new JobError(cfg.metric_batch, "ingest", "neither ingest_sql nor ingest_fn is set");
}

function checkRequiredEnv(ctx: JobContext): void {
  const missing = missingEnv(ctx.cfg, ctx.env);
  if (missing.length > 0) {
    throw new ConfigJobError(
      ctx.cfg.metric_batch,
      "ingest",
      `needs ${missing.join(", ")} (requires_env), not set in the environment or the settings resource`,
    );
  }
}

/** An ingest_sql's result column by column (a big ingest reads millions of rows: no object per row). */
async function fetchIngestSqlColumns(ctx: JobContext): Promise<QueryColumns> {
  checkRequiredEnv(ctx);
  const sql = renderJobSql(ctx, "ingest", "ingest_sql");
  try {
    return await queryColumns(ctx.store, sql);
  } catch (e) {
    throw new SqlError(ctx.cfg.metric_batch, "ingest", sql, e);
  }
}

/** Import a batch's ingest module (path relative to the batch YAML) and return its `ingest` export. */
export async function loadIngestFunction(sourceDir: string, ingestFn: string, batch: string): Promise<IngestFunction> {
  const file = path.resolve(sourceDir, ingestFn);
  let mod: Record<string, unknown>;
  try {
    // On a Windmill worker the module comes with the generated metrics bundle (statically imported).
    mod = (bundledModule(file) as Record<string, unknown> | undefined) ?? (await importFile(file));
  } catch (e) {
    throw new JobError(batch, "ingest", `cannot load ingest_fn ${file}: ${errorMessage(e)}`, { cause: e });
  }
  const fn = mod.ingest ?? (mod.default as Record<string, unknown> | undefined)?.ingest;
  if (typeof fn !== "function") {
    throw new JobError(batch, "ingest", `ingest_fn ${file} must export a function named "ingest"`);
  }
  return fn as IngestFunction;
}

/** How the ingest validates what it fetched (rounding, threshold metadata, the latest timestamp allowed). */
export function ingestWrangleOptions(ctx: Pick<JobContext, "cfg" | "now">): WrangleOptions {
  const { cfg } = ctx;
  return {
    batch: cfg.metric_batch,
    rounding: cfg.ingest_metric_rounding,
    thresholds: cfg.tholdalert_thresholds ?? undefined,
    latest: {
      ms: ctx.now.getTime() + cfg.ingest_max_future_minutes * 60_000,
      why: `more than ingest_max_future_minutes = ${cfg.ingest_max_future_minutes} after now, ${ctx.now.toISOString()}`,
    },
  };
}

/** Run one ingest at `ctx.now` and store the validated rows. */
export async function ingestJob(ctx: JobContext): Promise<IngestResult> {
  const { cfg, log } = ctx;
  const notes: string[] = [];
  let stored: { inserted: number; rows: number; metrics: number; warnings: string[] };
  try {
    if (cfg.ingest_sql) {
      // Column by column from the query to the table: the same checks as rows, a fraction of the cost.
      stored = await ingestSql(ctx);
      for (const w of stored.warnings) log.warn(w);
    } else {
      const { rows, warnings } = wrangleIngested(await fetchIngestRows(ctx, notes), ingestWrangleOptions(ctx));
      for (const w of warnings) log.warn(w);
      stored = { inserted: await ctx.store.append(rows), rows: rows.length, metrics: new Set(rows.map((r) => r.metric_name)).size, warnings };
    }
  } catch (e) {
    if (e instanceof IngestDataError) throw new DataError(cfg.metric_batch, "ingest", e.message, { cause: e });
    throw e;
  }
  const { inserted, rows, metrics } = stored;
  log.info(`ingested ${rows} row(s) for ${metrics} metric(s), ${inserted} new`);
  const stale = await noticeIfStale(ctx);
  return { job: "ingest", batch: cfg.metric_batch, rows, inserted, metrics, warnings: [...notes, ...stored.warnings], stale };
}

/**
 * The ingest_sql's rows checked and appended. A store that streams a query into an append
 * (`appendFromQuery`, DuckDB) gets them checked a chunk at a time, so a cold ingest of millions of rows
 * is never held at once; the others get the whole result checked, then appended. Either way a bad row
 * stores nothing, with the same messages.
 */
async function ingestSql(ctx: JobContext): Promise<{ inserted: number; rows: number; metrics: number; warnings: string[] }> {
  const { cfg, store } = ctx;
  const checker = new IngestColumnsChecker(ingestWrangleOptions(ctx));
  let warnings: string[] = [];
  let inserted: number;
  if (store.appendFromQuery) {
    checkRequiredEnv(ctx);
    const sql = renderJobSql(ctx, "ingest", "ingest_sql");
    try {
      inserted = await store.appendFromQuery(
        sql,
        cfg.metric_batch,
        "metric",
        (chunk) => checker.add(chunk),
        () => {
          warnings = checker.finish();
        },
      );
    } catch (e) {
      // The checks' and the store's own errors say what is wrong; anything else came from the query.
      if (e instanceof IngestDataError || e instanceof StoreError) throw e;
      throw new SqlError(cfg.metric_batch, "ingest", sql, e);
    }
  } else {
    const columns = checker.add(await fetchIngestSqlColumns(ctx));
    warnings = checker.finish();
    inserted = await appendColumns(store, cfg.metric_batch, "metric", columns);
  }
  return { inserted, rows: checker.stored, metrics: checker.metrics.size, warnings };
}

/**
 * When the batch's newest point is older than `stale_after_n_periods` ingest periods, tell people
 * once: the outbox keeps one `stale` record per newest point, so the next runs of a silence stay quiet
 * and a new silence (after new data) is told again. Returns whether the batch is stale.
 */
async function noticeIfStale(ctx: JobContext): Promise<boolean> {
  const { cfg } = ctx;
  const latest = await readLatestPoint(ctx.store, cfg.metric_batch);
  if (!isStale(cfg, latest, ctx.now) || latest === null) return false;
  const outbox = await openOutbox(ctx.store);
  const first = await outbox.add([
    {
      batch: cfg.metric_batch,
      metric: "",
      type: "stale",
      timestamp: latest.getTime(),
      channel: "notice",
      to: "",
      status: "sent",
      createdAt: ctx.now.getTime(),
    },
  ]);
  if (first === 0) return true;
  const notice = staleNotice({ batch: cfg.metric_batch, latest, now: ctx.now, periods: cfg.stale_after_n_periods, cron: cfg.ingest_cron_schedule });
  ctx.log.warn(notice.line);
  for (const c of ctx.channels) {
    const to = c.everyAlert ? "" : c.defaultDestination;
    if (to === undefined) continue;
    await c.send(notice, to).catch((e) => ctx.log.error(`${notice.title}: not sent by ${c.name}: ${errorMessage(e)}`));
  }
  return true;
}
