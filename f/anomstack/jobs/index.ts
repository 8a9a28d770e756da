// The job registry: every job the local pipeline and the Windmill stage scripts can run, by name.
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

/** Jobs in pipeline order: what `anomstack run` runs by default. */
export const PIPELINE_JOBS = ["ingest", "train", "score", "alert", "change", "tholdalert", "llmalert", "plot", "delete"] as const;
export type PipelineJob = (typeof PIPELINE_JOBS)[number];

export const JOBS: Record<PipelineJob, (ctx: JobContext) => Promise<{ job: string; batch: string }>> = {
  ingest: ingestJob,
  train: trainJob,
  score: scoreJob,
  alert: alertJob,
  change: changeJob,
  tholdalert: tholdalertJob,
  llmalert: (ctx) => llmalertJob(ctx),
  plot: plotJob,
  delete: deleteJob,
};

export { ingestJob, trainJob, scoreJob, alertJob, changeJob, tholdalertJob, llmalertJob, plotJob, deleteJob };
export { plotRichResult, type PlotResult } from "./plot.ts";
export { backfillJob, ingestTimes } from "./backfill.ts";
export { replayJob, replayScores } from "./replay.ts";
