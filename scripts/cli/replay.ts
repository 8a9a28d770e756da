// `anomstack replay --batch B`: score a batch's stored history causally and apply the alert rules to it.
import type { Command } from "commander";
import { replayJob } from "../../f/anomstack/jobs/replay.ts";
import { withJobContext } from "../../f/anomstack/stages/run-stage.ts";
import { parseNow } from "../../f/anomstack/core/time.ts";
import { positiveInt, progress } from "./output.ts";

export function replayCommand(program: Command): void {
  program
    .command("replay")
    .description("score the batch's whole history causally (each point by a model trained on earlier points)")
    .requiredOption("-b, --batch <name>", "metric batch")
    .option("-r, --retrain-every <n>", "retrain after this many points", positiveInt, 50)
    .option("--rescore", "delete stored scores and alert flags of the batch first, then recompute them")
    .option("--now <iso>", "replay history up to this time (default: now)")
    .action(async (opts: { batch: string; retrainEvery: number; rescore?: boolean; now?: string }) => {
      const r = await withJobContext(opts.batch, { now: parseNow(opts.now) }, (ctx) =>
        replayJob(ctx, { retrainEvery: opts.retrainEvery, rescore: opts.rescore, onProgress: progress(`replay ${opts.batch}`) }),
      );
      process.stdout.write(
        `${opts.batch}: replayed ${r.metrics} metric(s): ${r.scored} score(s), ${r.alerts} anomaly alert(s), ${r.changes} change(s), ${r.tholdalerts} threshold alert(s)\n`,
      );
      for (const f of r.failed) process.stdout.write(`  ${f.metric}: FAILED: ${f.error}\n`);
      if (r.failed.length) process.exitCode = 1;
    });
}
