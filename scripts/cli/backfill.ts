// `anomstack backfill --batch B --periods N`: ingest N past points at the batch's ingest cadence.
import type { Command } from "commander";
import { backfillJob } from "../../f/anomstack/jobs/backfill.ts";
import { withJobContext } from "../../f/anomstack/stages/run-stage.ts";
import { parseNow } from "../../f/anomstack/core/time.ts";
import { positiveInt, progress } from "./output.ts";

export function backfillCommand(program: Command): void {
  program
    .command("backfill")
    .description("call the batch's ingest for N past points at its ingest_cron_schedule cadence")
    .requiredOption("-b, --batch <name>", "metric batch")
    .requiredOption("-p, --periods <n>", "number of past ingest periods", positiveInt)
    .option("--now <iso>", "the latest period is at or before this time (default: now)")
    .action(async (opts: { batch: string; periods: number; now?: string }) => {
      const r = await withJobContext(opts.batch, { now: parseNow(opts.now) }, (ctx) =>
        backfillJob(ctx, { periods: opts.periods, onProgress: progress(`backfill ${opts.batch}`) }),
      );
      process.stdout.write(`${opts.batch}: backfilled ${r.periods} period(s) from ${r.from} to ${r.to}: ${r.rows} row(s), ${r.inserted} new\n`);
    });
}
