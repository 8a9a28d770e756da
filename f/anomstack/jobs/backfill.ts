// Backfill: run the batch's ingest for N past points at its ingest cadence (the fire times of
// `ingest_cron_schedule`), so a new batch has history to train on. All rows are stored in one go.
//nobundling
import { CronExpressionParser } from "cron-parser";
import { DataError, JobError } from "../core/errors.ts";
import type { JobContext } from "./job-context.ts";
import type { MetricRow } from "../store/metric-row.ts";
import { fetchIngestRows } from "./ingest.ts";
import { IngestDataError, wrangleIngested } from "./wrangle.ts";

export interface BackfillResult {
  job: "backfill";
  batch: string;
  periods: number;
  from: string;
  to: string;
  rows: number;
  inserted: number;
}

/**
 * The last `periods` fire times of `cron` at or before `now`, oldest first (UTC).
 * @example ingestTimes("*\/5 * * * *", new Date("2026-01-01T10:07:00Z"), 2) // => [10:00, 10:05]
 */
export function ingestTimes(cron: string, now: Date, periods: number): Date[] {
  const it = CronExpressionParser.parse(cron, { currentDate: new Date(now.getTime() + 1), tz: "UTC" });
  const out: Date[] = [];
  for (let i = 0; i < periods; i++) out.push(it.prev().toDate());
  return out.reverse();
}

export async function backfillJob(
  ctx: JobContext,
  opts: { periods: number; onProgress?: (done: number, total: number) => void },
): Promise<BackfillResult> {
  const { cfg } = ctx;
  if (!Number.isInteger(opts.periods) || opts.periods < 1) {
    throw new JobError(cfg.metric_batch, "backfill", `--periods must be a positive integer, got ${opts.periods}`);
  }
  const times = ingestTimes(cfg.ingest_cron_schedule, ctx.now, opts.periods);
  const rows: MetricRow[] = [];
  for (let i = 0; i < times.length; i++) {
    const raw = await fetchIngestRows({ ...ctx, now: times[i] });
    try {
      const w = wrangleIngested(raw, {
        batch: cfg.metric_batch,
        rounding: cfg.ingest_metric_rounding,
        thresholds: cfg.tholdalert_thresholds ?? undefined,
      });
      rows.push(...w.rows);
      for (const warning of w.warnings) ctx.log.warn(`${times[i].toISOString()}: ${warning}`);
    } catch (e) {
      if (e instanceof IngestDataError) {
        throw new DataError(cfg.metric_batch, "backfill", `at ${times[i].toISOString()}: ${e.message}`, { cause: e });
      }
      throw e;
    }
    opts.onProgress?.(i + 1, times.length);
  }
  const inserted = await ctx.store.append(rows);
  ctx.log.info(`backfilled ${times.length} period(s): ${rows.length} row(s), ${inserted} new`);
  return {
    job: "backfill",
    batch: cfg.metric_batch,
    periods: times.length,
    from: times[0].toISOString(),
    to: times[times.length - 1].toISOString(),
    rows: rows.length,
    inserted,
  };
}
