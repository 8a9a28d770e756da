// `anomstack run`: run jobs of one or more batches in pipeline order, locally, through the same stage
// code the Windmill scripts use. One batch or job failing does not stop the others.
import type { Command } from "commander";
import { loadConfig } from "../../f/anomstack/config/index.ts";
import { PIPELINE_JOBS, type PipelineJob } from "../../f/anomstack/jobs/index.ts";
import { parseNow, runStage, type StageResult } from "../../f/anomstack/runtime/stage.ts";
import { errorMessage } from "../../f/anomstack/runtime/errors.ts";
import { fmt } from "./output.ts";

export interface PipelineOutcome {
  results: StageResult[];
  failures: { batch: string; job: string; error: string }[];
}

/** Parse `--jobs a,b,c` into pipeline jobs, in pipeline order. */
export function parseJobs(spec: string | undefined): PipelineJob[] {
  if (!spec) return [...PIPELINE_JOBS];
  const asked = spec.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = asked.filter((j) => !(PIPELINE_JOBS as readonly string[]).includes(j));
  if (unknown.length) throw new Error(`unknown job(s) ${unknown.join(", ")}; valid: ${PIPELINE_JOBS.join(", ")}`);
  return PIPELINE_JOBS.filter((j) => asked.includes(j));
}

/** Run `jobs` for each batch; failures are collected, printed and returned. */
export async function runPipeline(batches: string[], jobs: PipelineJob[], now: Date, print: (l: string) => void): Promise<PipelineOutcome> {
  const out: PipelineOutcome = { results: [], failures: [] };
  for (const batch of batches) {
    for (const job of jobs) {
      try {
        const r = await runStage(job, batch, { now });
        out.results.push(r);
        print(`${batch} ${job}: ${summarize(r)}`);
      } catch (e) {
        out.failures.push({ batch, job, error: errorMessage(e) });
        print(`${batch} ${job}: FAILED: ${errorMessage(e)}`);
      }
    }
  }
  return out;
}

/** One line per job result. */
export function summarize(r: StageResult): string {
  if (r.status === "disabled") return `skipped (${r.reason})`;
  const x = r as Record<string, any>;
  switch (r.job) {
    case "ingest":
      return `${x.rows} row(s) for ${x.metrics} metric(s), ${x.inserted} new`;
    case "train":
      return `${x.trained.length} trained, ${x.skipped.length} waiting for data, ${x.failed.length} failed`;
    case "score":
      return `${x.scored} point(s) scored${x.no_model.length ? `, no model yet: ${x.no_model.join(", ")}` : ""}`;
    case "alert":
      return x.alerts.length ? x.alerts.map((a: any) => `${a.metric} (${fmt(a.score_smooth)})`).join(", ") : "no anomalies";
    case "change":
      return x.changes.length ? x.changes.map((c: any) => `${c.metric} (${fmt(c.score, 1)})`).join(", ") : "no changes";
    case "tholdalert":
      return x.breaches.length ? x.breaches.map((b: any) => `${b.metric} ${b.threshold_type}`).join(", ") : "no breaches";
    case "delete":
      return `${x.deleted} old row(s) deleted`;
    default:
      return "ok";
  }
}

export function runCommand(program: Command): void {
  program
    .command("run")
    .description(`run jobs of metric batches in pipeline order (${PIPELINE_JOBS.join(", ")})`)
    .option("-b, --batch <name...>", "batch(es) to run (default: every enabled batch)")
    .option("-j, --jobs <list>", `comma-separated jobs (default: ${PIPELINE_JOBS.join(",")})`)
    .option("--now <iso>", "timestamp to treat as now (default: the current time)")
    .action(async (opts: { batch?: string[]; jobs?: string; now?: string }) => {
      const jobs = parseJobs(opts.jobs);
      const batches = opts.batch ?? [...loadConfig().batches.keys()];
      const outcome = await runPipeline(batches, jobs, parseNow(opts.now), (l) => process.stdout.write(`${l}\n`));
      if (outcome.failures.length) process.exitCode = 1;
    });
}
