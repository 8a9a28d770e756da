// The work of each per-batch job of the job table (config/jobs.ts), by name: what the stage scripts
// and the local pipeline run. The compiler checks that every job of the table has its function here.
//nobundling
import type { BatchJobName } from "../config/index.ts";
import type { JobContext } from "./job-context.ts";
import { ingestJob } from "./ingest.ts";
import { trainJob } from "./train.ts";
import { scoreJob } from "./score.ts";
import { alertJob } from "./alert.ts";
import { changeJob } from "./change.ts";
import { tholdalertJob } from "./tholdalert.ts";
import { llmalertJob } from "./llmalert.ts";
import { plotJob } from "./plot.ts";
import { deleteJob } from "./delete.ts";
import { deliverJob } from "./deliver.ts";

/** What every job returns: at least its name and batch, plus its own counts and lists. */
export type JobFunction = (ctx: JobContext) => Promise<{ job: string; batch: string }>;

export const JOB_FUNCTIONS: Record<BatchJobName, JobFunction> = {
  ingest: ingestJob,
  tholdalert: tholdalertJob,
  train: trainJob,
  score: scoreJob,
  alert: alertJob,
  change: changeJob,
  llmalert: (ctx) => llmalertJob(ctx),
  deliver: deliverJob,
  plot: plotJob,
  delete: deleteJob,
};
