// Per-batch Windmill flows, schedules and the HTTP trigger, generated from a batch's resolved config:
// one flow per enabled job (on its `<job>_cron_schedule`), a pipeline flow (ingest → threshold alerts
// → score → alert → change → LLM alerts → plot) triggered over HTTP when data arrives, a failure handler
// on every flow, timeouts and retries for transient errors, and sharded train / score steps.
import {
  BATCH_JOBS,
  isJobEnabled,
  jobSchedule,
  jobSpec,
  toSixFieldCron,
  type BatchConfig,
  type BatchJobName,
} from "../../f/anomstack/config/index.ts";
import { FOLDER, batchDir } from "./paths.ts";

/** Steps of the pipeline flow, in order: the jobs of the job table marked `pipeline`. */
export const PIPELINE_STEPS: readonly BatchJobName[] = BATCH_JOBS.filter((j) => jobSpec(j).pipeline);
/** Path of the settings resource every flow passes to its steps by default. */
export const SETTINGS_RESOURCE = `${FOLDER}/settings`;
/** How many shards of one batch run at the same time. */
export const SHARD_PARALLELISM = 4;

/**
 * Errors a retry cannot fix (bad config, template, SQL or ingested data): everything else (a network
 * blip, a locked file, a worker restart) is retried.
 */
export const RETRY_IF = `!["ConfigError", "TemplateError", "SqlError", "DataError"].includes(error?.name)`;

type Json = Record<string, unknown>;

const stat = (value: unknown) => ({ type: "static", value });
const js = (expr: string) => ({ type: "javascript", expr });

/** Windmill cron: 6 fields, and day-of-week numbers as names (Windmill's and Unix's numbering differ). */
export function toWindmillCron(expr: string): string {
  const fields = toSixFieldCron(expr).split(" ");
  const names = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
  fields[5] = fields[5].replace(/\d+/g, (n) => names[Number(n)] ?? n);
  return fields.join(" ");
}

/**
 * The settings every step gets: the caller's, else the settings resource. Windmill applies no schema
 * defaults to a schedule's or an HTTP request's args (schedule.rs `push_scheduled_job`, worker_flow.rs:
 * the job's args are the flow input), so the resource is named here; the worker running the step
 * resolves the `$res:` string (worker common.rs `transform_json`).
 */
export const SETTINGS_INPUT = `flow_input.settings ?? "$res:${SETTINGS_RESOURCE}"`;

function stageInputs(cfg: BatchConfig, extra: Json = {}): Json {
  return { batch: stat(cfg.metric_batch), now: js('flow_input.now ?? ""'), ...extra, settings: js(SETTINGS_INPUT) };
}

function guard(cfg: BatchConfig): Json {
  return {
    timeout: stat(cfg.job_timeout_seconds),
    ...(cfg.job_retries > 0
      ? { retry: { exponential: { attempts: cfg.job_retries, multiplier: 2, seconds: 10, random_factor: 20 }, retry_if: { expr: RETRY_IF } } }
      : {}),
  };
}

/** The modules of one job: a script step, or for sharded jobs a shard plan and a parallel for-loop. */
export function jobModules(cfg: BatchConfig, job: BatchJobName, opts: { deliverLater?: boolean } = {}): Json[] {
  const { title, sharded } = jobSpec(job);
  if (!sharded) {
    // An alerting job sends its own alerts, unless the flow ends with a deliver step that sends every
    // kind of an incident together (the pipeline; `anomstack run` of several jobs passes deliver: false).
    const deliver = "alertKind" in jobSpec(job) ? { deliver: opts.deliverLater ? stat(false) : js("flow_input.deliver ?? true") } : {};
    return [
      { id: job, summary: title, value: { type: "script", path: `${FOLDER}/${job}`, input_transforms: stageInputs(cfg, deliver) }, ...guard(cfg) },
    ];
  }
  const plan = `${job}_plan`;
  return [
    {
      id: plan,
      summary: `Split ${cfg.metric_batch} into shards of at most ${cfg.shard_size} metrics`,
      value: { type: "script", path: `${FOLDER}/plan_shards`, input_transforms: stageInputs(cfg) },
      ...guard(cfg),
    },
    {
      id: job,
      summary: `${title}, one shard per iteration`,
      value: {
        type: "forloopflow",
        iterator: js(`results.${plan}`),
        skip_failures: false,
        parallel: true,
        parallelism: stat(SHARD_PARALLELISM),
        modules: [
          {
            id: `${job}_shard`,
            summary: `${title} (one shard)`,
            value: {
              type: "script",
              path: `${FOLDER}/${job}`,
              input_transforms: stageInputs(cfg, {
                shard: js("flow_input.iter.value.shard"),
                shard_count: js("flow_input.iter.value.shard_count"),
                // The plan's names of the shard's metrics (absent from a plan of one shard: null).
                metrics: js("flow_input.iter.value.metrics"),
              }),
            },
            ...guard(cfg),
          },
        ],
      },
    },
  ];
}

/**
 * The failure handler of a flow. Windmill runs it inside a failed for-loop iteration too (each iteration
 * is a sub-flow with the flow's failure module, worker_flow.rs), so a failing shard names its shard;
 * servers that then also run it for the loop give it the iterations' results (the notices already sent),
 * and `already_notified` keeps that second notice from going out.
 */
function failureModule(cfg: BatchConfig, job: string | undefined): Json {
  const shard = `(flow_input.iter ? " (shard " + (flow_input.iter.value.shard + 1) + " of " + flow_input.iter.value.shard_count + ")" : "")`;
  return {
    id: "failure",
    summary: "Tell people the flow failed",
    value: {
      type: "script",
      path: `${FOLDER}/notify_failure`,
      input_transforms: {
        batch: stat(cfg.metric_batch),
        job: js(`${job ? JSON.stringify(job) : `(error?.step_id ?? "pipeline")`} + ${shard}`),
        error: js(`error?.message ?? previous_result?.error?.message ?? JSON.stringify(previous_result ?? null)`),
        run_url: stat(""),
        already_notified: js(
          `Array.isArray(previous_result) && previous_result.some((r) => r !== null && typeof r === "object" && "title" in r && "sent" in r)`,
        ),
        settings: js(SETTINGS_INPUT),
      },
    },
  };
}

function flowSchema(opts: { deliver?: boolean } = {}): Json {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    order: opts.deliver ? ["now", "deliver", "settings"] : ["now", "settings"],
    properties: {
      now: { type: "string", description: "ISO timestamp to treat as now, for reruns and backfills (empty: the current time)", default: "" },
      ...(opts.deliver
        ? { deliver: { type: "boolean", description: "Send the alerts (false: only save them, for a later deliver run)", default: true } }
        : {}),
      settings: {
        type: "object",
        description: "The deployment's settings resource (database, overrides, alert channels)",
        format: "resource-c_anomstack_settings",
        default: `$res:${SETTINGS_RESOURCE}`,
      },
    },
    required: [],
  };
}

/**
 * The flow's worker tag, when the batch sets one: Windmill then runs the flow and each of its steps on
 * workers with that tag (worker_flow.rs: a flow job's tag is given to every step it pushes).
 */
function workerTag(cfg: BatchConfig): Json {
  return cfg.worker_tag ? { tag: cfg.worker_tag } : {};
}

export interface BatchFlows {
  /** Repo-relative path → file content object (serialised by the caller). */
  files: Map<string, Json>;
  /** Windmill paths of the generated flows (for docs and checks). */
  flows: string[];
}

/** Every flow, schedule and trigger of one batch. `available` = the stage scripts that exist. */
export function batchFlows(cfg: BatchConfig, segment: string, available: ReadonlySet<string>): BatchFlows {
  const dir = batchDir(segment);
  const files = new Map<string, Json>();
  const flows: string[] = [];
  const enabled = (job: BatchJobName) => available.has(job) && isJobEnabled(cfg, job);
  for (const job of BATCH_JOBS.filter(enabled)) {
    const path = `${dir}/${job}`;
    flows.push(path);
    files.set(`${path}.flow/flow.yaml`, {
      summary: `${cfg.metric_batch}: ${jobSpec(job).title.toLowerCase()}`,
      description: `Runs the ${job} job of the metric batch ${cfg.metric_batch}. Generated from metrics/ by npm run generate.`,
      value: { modules: jobModules(cfg, job), failure_module: failureModule(cfg, job) },
      schema: flowSchema({ deliver: "alertKind" in jobSpec(job) }),
      ...workerTag(cfg),
    });
    const { cron, status } = jobSchedule(cfg, job);
    files.set(`${path}.schedule.yaml`, {
      summary: `${cfg.metric_batch}: ${jobSpec(job).title.toLowerCase()} on ${cron}`,
      schedule: toWindmillCron(cron),
      timezone: cfg.schedule_timezone,
      script_path: path,
      is_flow: true,
      args: {},
      enabled: status === "RUNNING",
      no_flow_overlap: true,
    });
  }
  const steps = PIPELINE_STEPS.filter(enabled);
  if (steps.length > 0) {
    const path = `${dir}/pipeline`;
    flows.push(path);
    files.set(`${path}.flow/flow.yaml`, {
      summary: `${cfg.metric_batch}: pipeline`,
      description: `${steps.join(" → ")} for the metric batch ${cfg.metric_batch}, e.g. when new data has arrived (POST to its HTTP route). Generated from metrics/ by npm run generate.`,
      value: {
        modules: steps.flatMap((job) => jobModules(cfg, job, { deliverLater: steps.includes("deliver") })),
        failure_module: failureModule(cfg, undefined),
      },
      schema: flowSchema(),
      ...workerTag(cfg),
    });
    files.set(`${path}.http_trigger.yaml`, {
      summary: `Run the ${cfg.metric_batch} pipeline when data arrives`,
      script_path: path,
      is_flow: true,
      route_path: `anomstack/${segment}/pipeline`,
      http_method: "post",
      request_type: "async",
      authentication_method: "windmill",
      is_static_website: false,
      workspaced_route: false,
      wrap_body: false,
      raw_string: false,
    });
  }
  return { files, flows };
}

/** The one global summary schedule (cron and status of defaults.yaml), if the summary script exists. */
export function summarySchedule(defaults: Json, available: ReadonlySet<string>): Map<string, Json> {
  const files = new Map<string, Json>();
  if (!available.has("summary")) return files;
  const cron = String(defaults.summary_cron_schedule);
  files.set(`${FOLDER}/summary.schedule.yaml`, {
    summary: `Daily summary of every batch on ${cron}`,
    schedule: toWindmillCron(cron),
    timezone: String(defaults.schedule_timezone ?? "Etc/UTC"),
    script_path: `${FOLDER}/summary`,
    is_flow: false,
    args: { settings: `$res:${SETTINGS_RESOURCE}` },
    enabled: defaults.summary_default_schedule_status !== "STOPPED",
    no_flow_overlap: true,
  });
  return files;
}
