// How a stage script runs one job of one batch: load the batch's config, open its stores, run, close.
// Shared by the Windmill stage scripts (f/anomstack/<stage>.ts) and the local CLI, so both run the same code.
//nobundling

// The metrics folder bundled for Windmill workers (used when there is no ./metrics folder).
import "../generated/metrics_bundle.ts";
import { isJobEnabled, jobSpec, loadBatch, type BatchConfig, type BatchJobName } from "../config/index.ts";
import type { AlertChannel } from "../alerts/channel.ts";
import { createChannels } from "../alerts/channels.ts";
import { redactDeep, redactingLogger } from "../core/redact.ts";
import { resolveChannelSettings } from "../alerts/channel-settings.ts";
import { JOB_FUNCTIONS } from "../jobs/index.ts";
import { closeJobContext, openJobContext, type JobContext } from "../jobs/job-context.ts";
import { createLogger, type Logger } from "../core/log.ts";
import { JobError } from "../core/errors.ts";
import { settingsToEnv, type C_anomstack_settings } from "../config/settings-resource.ts";
import { checkShard, checkShardMetrics } from "../jobs/shard.ts";
import type { Env } from "../core/env.ts";
import { parseNow } from "../core/time.ts";

export interface StageOptions {
  /** ISO timestamp the job treats as now; "" or undefined = the current time. */
  now?: string | Date;
  env?: Env;
  log?: Logger;
  channels?: readonly AlertChannel[];
  /** Use this config instead of loading the batch by name. */
  cfg?: BatchConfig;
  /** The Windmill settings resource, overlaid on `env`. */
  settings?: C_anomstack_settings | null;
  /** false: the alerting jobs save their alerts and leave sending them to the run's `deliver` job. */
  deliver?: boolean;
  /** The job only reads the store (the job table's `readsOnly`): a DuckDB file is opened read-only. */
  readOnly?: boolean;
  /** Shard of the batch's metrics to handle (train, score). */
  shard?: number;
  shardCount?: number;
  /** The shard's metrics from the shard plan (null or undefined: the shard lists them). */
  shardMetrics?: readonly string[] | null;
}

export type StageResult =
  | ({ job: string; batch: string; status: "ok" } & Record<string, unknown>)
  | { job: string; batch: string; status: "disabled"; reason: string };

/** Run the batch's context through `fn`, always closing it. */
export async function withJobContext<T>(batch: string, opts: StageOptions, fn: (ctx: JobContext) => Promise<T>): Promise<T> {
  const env = settingsToEnv(opts.settings, opts.env ?? process.env);
  const shard = { index: opts.shard ?? 0, count: opts.shardCount ?? 1 };
  checkShard(shard.index, shard.count);
  const shardMetrics = checkShardMetrics(opts.shardMetrics);
  const cfg = opts.cfg ?? loadBatch(batch, { env });
  // Channel settings (email, Slack, Anthropic) come from the same env; their secrets never reach a log line.
  const channelSettings = resolveChannelSettings(env);
  const log = redactingLogger(opts.log ?? createLogger(), channelSettings.redact).child(`${cfg.metric_batch}`);
  for (const p of channelSettings.problems) log.warn(`alert channel settings: ${p}`);
  const ctx = await openJobContext(cfg, {
    env,
    now: parseNow(opts.now),
    log,
    channels: opts.channels ?? createChannels(channelSettings, log),
    shard,
    shardMetrics,
    llm: channelSettings.llm,
    redact: channelSettings.redact,
    deferDelivery: opts.deliver === false,
    readOnly: opts.readOnly,
  });
  try {
    return await fn(ctx);
  } finally {
    await closeJobContext(ctx);
  }
}

/** Run one pipeline job for one batch, unless its `disable_<job>` flag is set. */
export async function runStage(job: BatchJobName, batch: string, opts: StageOptions = {}): Promise<StageResult> {
  const env = settingsToEnv(opts.settings, opts.env ?? process.env);
  const cfg = opts.cfg ?? loadBatch(batch, { env });
  if (!isJobEnabled(cfg, job)) {
    return { job, batch: cfg.metric_batch, status: "disabled", reason: `disable_${job} is set` };
  }
  return withJobContext(batch, { ...opts, env, settings: undefined, cfg, readOnly: jobSpec(job).readsOnly === true }, async (ctx) => {
    const log = ctx.log.child(job);
    try {
      const out = await JOB_FUNCTIONS[job]({ ...ctx, log });
      return redactDeep({ ...out, status: "ok" as const }, ctx.redact);
    } catch (e) {
      if (e instanceof JobError) {
        e.message = ctx.redact(e.message);
        throw e;
      }
      throw new JobError(cfg.metric_batch, job, ctx.redact((e as Error).message ?? String(e)), { cause: e });
    }
  });
}
