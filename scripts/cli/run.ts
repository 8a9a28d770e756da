// `anomstack run`: run jobs of one or more batches in pipeline order, locally, through the same stage
// code the Windmill scripts use. One batch or job failing does not stop the others. `--dry-run` runs only
// the ingest and prints the rows it would store, storing nothing (also for a batch that is off).
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import {
  BATCH_JOBS,
  ConfigError,
  batchEnvName,
  isBatchJob,
  isJobEnabled,
  jobSpec,
  loadBatch,
  loadConfig,
  type BatchConfig,
  type BatchJobName,
} from "../../f/anomstack/config/index.ts";
import { fetchIngestRows, ingestWrangleOptions } from "../../f/anomstack/jobs/ingest.ts";
import { IngestDataError, wrangleIngested } from "../../f/anomstack/jobs/wrangle.ts";
import type { JobContext } from "../../f/anomstack/jobs/job-context.ts";
import type { ModelStore } from "../../f/anomstack/store/model-store.ts";
import { openMetricsStore } from "../../f/anomstack/store/open.ts";
import { createLogger } from "../../f/anomstack/core/log.ts";
import { truncateToSecond } from "../../f/anomstack/core/time.ts";
import type { Env } from "../../f/anomstack/core/env.ts";
import type { StageResult } from "../../f/anomstack/stages/run-stage.ts";
import { parseNow } from "../../f/anomstack/core/time.ts";
import { errorMessage } from "../../f/anomstack/core/errors.ts";
import { plan } from "../generate/main.ts";
import { batchDir, batchSegment } from "../generate/paths.ts";
import { SETTINGS_RESOURCE } from "../generate/flows.ts";
import { FlowError, runFlow, type OpenFlow } from "../flow-runner/runner.ts";
import { sendFailureNotice } from "../../f/anomstack/stages/notices.ts";
import { fmt, fmtTime, table } from "./output.ts";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface PipelineOutcome {
  results: StageResult[];
  failures: { batch: string; job: string; error: string }[];
}

/** Parse `--jobs a,b,c` into pipeline jobs, in pipeline order. */
export function parseJobs(spec: string | undefined): BatchJobName[] {
  if (!spec) return [...BATCH_JOBS];
  const asked = spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = asked.filter((j) => !isBatchJob(j));
  if (unknown.length) throw new Error(`unknown job(s) ${unknown.join(", ")}; valid: ${BATCH_JOBS.join(", ")}`);
  return BATCH_JOBS.filter((j) => asked.includes(j));
}

/**
 * Run `jobs` for each batch through the batch's generated Windmill flows (generated afresh in memory,
 * so the local run and the deployed flows are the same code). Failures are collected and printed.
 */
export async function runPipeline(batches: string[], jobs: BatchJobName[], now: Date, print: (l: string) => void): Promise<PipelineOutcome> {
  const out: PipelineOutcome = { results: [], failures: [] };
  // Only the flows of the batches asked for, as objects (the YAML `npm run generate` writes of them
  // parses back to the same: tests/cli checks it).
  const generated = plan({ root: REPO_ROOT, metricsDir: process.env.ANOMSTACK_METRICS_DIR, env: process.env, flowsOnly: true, batches });
  const objects = generated.objects ?? new Map<string, unknown>();
  // Without a Windmill mock file, the settings resource (a `$res:` in the args or the flows) is empty:
  // settings come from the environment.
  const resolveResource = process.env.WM_MOCKED_API_FILE
    ? undefined
    : async (p: string) => {
        if (p === SETTINGS_RESOURCE) return {};
        throw new Error(`resource ${p} is not available locally; set WM_MOCKED_API_FILE to a windmill-client mock file that has it`);
      };
  for (const batch of batches) {
    for (const job of jobs) {
      const flowFile = `${batchDir(batchSegment(batch))}/${job}.flow/flow.yaml`;
      const generatedFlow = objects.get(flowFile) as OpenFlow | undefined;
      try {
        let r: StageResult;
        if (!generatedFlow) {
          const cfg = loadBatch(batch);
          if (isJobEnabled(cfg, job)) throw new Error(`no generated flow ${flowFile}`);
          r = { job, batch, status: "disabled", reason: `disable_${job} is set` };
        } else {
          // What Windmill would pass: the schedule's args verbatim (the pipeline's HTTP route: the body, `{}`), plus `now`.
          const schedule = objects.get(flowFile.replace(/\.flow\/flow\.yaml$/, ".schedule.yaml")) as { args?: Record<string, unknown> } | undefined;
          const scheduled = structuredClone(schedule?.args ?? {});
          // An alerting job leaves sending to this run's deliver job, when there is one (one message per incident).
          const deliverLater = jobs.includes("deliver") && loadBatch(batch).disable_deliver === false && "alertKind" in jobSpec(job);
          const args = { ...scheduled, now: now.toISOString(), ...(deliverLater ? { deliver: false } : {}) };
          // The flows' failure handlers are left out: one notice per batch below, not one per job.
          const flow = structuredClone(generatedFlow);
          const result = await runFlow(
            { ...flow, value: { ...flow.value, failure_module: undefined } },
            {
              root: REPO_ROOT,
              args,
              resolveResource,
              flowPath: flowFile.replace(/\.flow\/flow\.yaml$/, ""),
            },
          );
          r = mergeShards(result) as StageResult;
        }
        out.results.push(r);
        print(`${batch} ${job}: ${summarize(r)}`);
      } catch (e) {
        const error = e instanceof FlowError ? e.original : e;
        out.failures.push({ batch, job, error: errorMessage(error) });
        print(`${batch} ${job}: FAILED: ${errorMessage(error)}`);
      }
    }
    const failed = out.failures.filter((f) => f.batch === batch);
    if (failed.length > 0) {
      // One run of one batch, one failure notice (a locked file would otherwise send one per job).
      await sendFailureNotice({
        batch,
        job: failed.map((f) => f.job).join(", "),
        error: failed.map((f) => (failed.length > 1 ? `${f.job}: ${f.error}` : f.error)).join("\n"),
        now,
      }).catch((e) => print(`${batch}: the failure notice was not sent: ${errorMessage(e)}`));
    }
  }
  return out;
}

/** A sharded job returns one result per shard: add their counts and join their lists. */
export function mergeShards(result: unknown): unknown {
  if (!Array.isArray(result)) return result;
  const merged: Record<string, unknown> = {};
  for (const r of result as Record<string, unknown>[]) {
    for (const [k, v] of Object.entries(r)) {
      const cur = merged[k];
      if (Array.isArray(v)) merged[k] = [...((cur as unknown[]) ?? []), ...v];
      else if (typeof v === "number" && typeof cur === "number") merged[k] = cur + v;
      else if (cur === undefined) merged[k] = v;
    }
  }
  return merged;
}

/** One line per job result. */
export function summarize(r: StageResult): string {
  if (r.status === "disabled") return `skipped (${r.reason})`;
  const x = r as Record<string, any>;
  // The plot script returns a Windmill rich result (a single render_all key) for the run page.
  if (Array.isArray(x.render_all)) return `${x.render_all.filter((p: object) => "png" in p).length} plot(s)`;
  const unsent = x.delivery_failures ? `; ${x.delivery_failures} notification(s) not sent` : "";
  return summarizeJob(r.job, x) + unsent;
}

/** The one-line summary of each job's result (the compiler checks that every job has one). */
const JOB_SUMMARIES: Record<BatchJobName, (x: Record<string, any>) => string> = {
  ingest: (x) => `${x.rows} row(s) for ${x.metrics} metric(s), ${x.inserted} new`,
  tholdalert: (x) => (x.breaches.length ? x.breaches.map((b: any) => `${b.metric} ${b.threshold_type}`).join(", ") : "no breaches"),
  train: (x) => `${x.trained.length} trained, ${x.skipped.length} waiting for data, ${x.failed.length} failed`,
  score: (x) => `${x.scored} point(s) scored${x.no_model.length ? `, no model yet: ${x.no_model.join(", ")}` : ""}`,
  alert: (x) => (x.alerts.length ? x.alerts.map((a: any) => `${a.metric} (${fmt(a.score_smooth)})`).join(", ") : "no anomalies"),
  change: (x) => (x.changes.length ? x.changes.map((c: any) => `${c.metric} (${fmt(c.score, 1)})`).join(", ") : "no changes"),
  llmalert: (x) =>
    (x.alerts.length
      ? x.alerts.map((a: any) => `${a.metric} (${a.anomalies} anomal${a.anomalies === 1 ? "y" : "ies"})`).join(", ")
      : "no LLM alerts") + (x.skipped.length ? `; skipped: ${x.skipped.map((s: any) => s.metric).join(", ")}` : ""),
  deliver: (x) => `${x.delivery.sent} notification(s) sent, ${x.delivery.pending} pending`,
  plot: (x) => `${x.plots.length} plot(s)`,
  delete: (x) => `${x.deleted} old row(s) deleted`,
};

function summarizeJob(job: string, x: Record<string, any>): string {
  return isBatchJob(job) ? JOB_SUMMARIES[job](x) : "ok";
}

/** A dry run opens no model store: ingest never needs one (and an s3:// batch could not open it). */
const NO_MODELS: ModelStore = {
  location: "(none: dry run)",
  saveRun: async () => {
    throw new Error("a dry run stores nothing");
  },
  loadModels: async () => ({ get: () => undefined, modelsOf: () => undefined, metrics: 0, runs: [], legacy: false }),
};

/** The batch's config for a dry run: as configured, or, when it is off, switched on for this run only. */
function dryRunConfig(batch: string, env: Env): { cfg: BatchConfig; off: boolean } {
  try {
    return { cfg: loadBatch(batch, { env }), off: false };
  } catch (e) {
    if (!(e instanceof ConfigError && /batch is disabled/.test(e.message))) throw e;
    return { cfg: loadBatch(batch, { env: { ...env, [`ANOMSTACK__${batchEnvName(batch)}__DISABLE_BATCH`]: "false" } }), off: true };
  }
}

/**
 * Run one batch's ingest at `now` and print the validated rows without storing them (ingest_sql still
 * runs on the batch's database, which is only read). Returns false when it failed.
 */
export async function dryRunIngest(batch: string, now: Date, print: (l: string) => void, env: Env = process.env): Promise<boolean> {
  let ctx: JobContext | undefined;
  try {
    const { cfg, off } = dryRunConfig(batch, env);
    if (off) print(`${batch}: off (disable_batch); switched on for this dry run only`);
    const store = await openMetricsStore(cfg, env);
    const context: JobContext = {
      cfg,
      env,
      store,
      models: NO_MODELS,
      channels: [],
      log: createLogger().child(cfg.metric_batch),
      now: truncateToSecond(now),
      shard: { index: 0, count: 1 },
      redact: (t) => t,
      deferDelivery: false,
    };
    ctx = context;
    const notes: string[] = [];
    const raw = await fetchIngestRows(context, notes);
    let wrangled: ReturnType<typeof wrangleIngested>;
    try {
      wrangled = wrangleIngested(raw, ingestWrangleOptions(context));
    } catch (e) {
      if (e instanceof IngestDataError) throw new Error(`${cfg.metric_batch} ingest: ${e.message}`);
      throw e;
    }
    print(
      table(
        ["metric_timestamp (UTC)", "metric_name", "metric_value"],
        wrangled.rows.map((r) => [fmtTime(r.metric_timestamp), r.metric_name, fmt(r.metric_value, 4)]),
      ),
    );
    for (const w of [...notes, ...wrangled.warnings]) print(`warning: ${w}`);
    const metrics = new Set(wrangled.rows.map((r) => r.metric_name)).size;
    print(`${cfg.metric_batch} ingest (dry run): ${wrangled.rows.length} row(s) for ${metrics} metric(s); nothing stored`);
    return true;
  } catch (e) {
    print(`${batch} ingest (dry run): FAILED: ${errorMessage(e)}`);
    return false;
  } finally {
    await ctx?.store.close();
  }
}

export function runCommand(program: Command): void {
  program
    .command("run")
    .description(`run jobs of metric batches in pipeline order (${BATCH_JOBS.join(", ")})`)
    .option("-b, --batch <name...>", "batch(es) to run (default: every enabled batch)")
    .option("-j, --jobs <list>", `comma-separated jobs (default: ${BATCH_JOBS.join(",")})`)
    .option("--now <iso>", "timestamp to treat as now (default: the current time)")
    .option("--dry-run", "only ingest, and print the rows instead of storing them (works for a batch that is off, e.g. an example)")
    .action(async (opts: { batch?: string[]; jobs?: string; now?: string; dryRun?: boolean }) => {
      if (opts.dryRun) {
        if (opts.jobs && opts.jobs.trim() !== "ingest") throw new Error("--dry-run runs the ingest only; leave out --jobs (or give --jobs ingest)");
        const print = (l: string) => process.stdout.write(`${l}\n`);
        const now = parseNow(opts.now);
        let ok = true;
        for (const batch of opts.batch ?? [...loadConfig().batches.keys()]) ok = (await dryRunIngest(batch, now, print)) && ok;
        if (!ok) process.exitCode = 1;
        return;
      }
      const jobs = parseJobs(opts.jobs);
      const loaded = loadConfig({ skipBroken: true });
      for (const b of loaded.broken) process.stderr.write(`not run: ${b.error.message}\n`);
      if (loaded.broken.length && !opts.batch) process.exitCode = 1;
      const batches = opts.batch ?? [...loaded.batches.keys()];
      const outcome = await runPipeline(batches, jobs, parseNow(opts.now), (l) => process.stdout.write(`${l}\n`));
      if (outcome.failures.length) process.exitCode = 1;
    });
}
