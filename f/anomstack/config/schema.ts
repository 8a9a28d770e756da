// The one zod schema of a merged (defaults <- batch YAML <- env) metric-batch config, plus
// stage names and helpers that read per-stage switches and schedules from a config.
//nobundling
import { distance } from "fastest-levenshtein";
import { z } from "zod";
import { cronProblem } from "./cron.ts";
import { isModelName, modelParamProblems, unknownModelNameMessage } from "../ml/model-params.ts";
import { JOB_NAMES, type JobName } from "./jobs.ts";
import { parseModelPath } from "./model-path.ts";

/** Databases a batch can read from and write to. */
export const DB_TYPES = ["duckdb", "postgres", "sqlite", "clickhouse", "bigquery", "snowflake", "motherduck"] as const;
/** Initial state of a stage's schedule. */
export const SCHEDULE_STATUSES = ["RUNNING", "STOPPED"] as const;
/** Keys set by the loader; a YAML file or env override may not set them. */
export const DERIVED_KEYS = ["metrics_dir", "source_file", "source_dir"] as const;

const count = z.number().int().min(0);
/** An IANA time zone name the runtime knows (e.g. "Etc/UTC", "Europe/Dublin"); offsets are not names. */
export function isTimeZone(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
const maxN = z.number().int().min(1);

/** What is wrong with a `model_path` (the schemes the model store supports), or undefined. */
export function modelPathProblem(value: string): string | undefined {
  const parsed = parseModelPath(value);
  return "problem" in parsed ? parsed.problem : undefined;
}
const days = z.number().int().min(0);
/** Decimals kept (numpy's `round`): -1 = no rounding; a double has 15-17 significant digits. */
const rounding = z.number().int().min(-1).max(15);
/** An anomaly probability threshold: scores are 0..1. */
const probability = z.number().min(0).max(1);
const flag = z.boolean();
const status = z.enum(SCHEDULE_STATUSES);
const template = z.string();
const metricList = z.array(z.string().min(1)).optional();
const cron = z.string().superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const preprocessShape = {
  diff_n: count,
  smooth_n: count,
  lags_n: count,
  freq: z.string().min(1).nullable(),
  freq_agg: z.enum(["mean", "sum"]),
};
/** The keys of the default preprocessing; a `preprocess_fn` may read keys of its own besides these. */
export const PREPROCESS_KEYS: readonly string[] = Object.keys(preprocessShape);
/** A key within a typo's distance of a default preprocess key (the same rule as the "did you mean" hints). */
function looksLikeDefaultKey(key: string): boolean {
  return PREPROCESS_KEYS.some((k) => distance(key, k) <= Math.max(2, Math.floor(key.length / 4)));
}
/** preprocess_params: the default keys, plus (checked below, only with a preprocess_fn) keys of the batch's own. */
const preprocessParams = z.looseObject(preprocessShape);

/** Detector presets (`detector_preset`); their settings are in presets.ts. */
export const DETECTOR_PRESET_NAMES = ["default", "original", "robust"] as const;
/** Calibrations of raw model scores (`score_calibration`); the same list as ml/detector.ts CALIBRATION_METHODS. */
export const SCORE_CALIBRATIONS = ["minmax", "range", "likelihood"] as const;

const modelConfig = z
  .strictObject({
    model_name: z.string().min(1),
    model_tag: z.string().min(1),
    model_params: z.record(z.string(), z.unknown()).default({}),
    /** This model's features: the batch's preprocess_params with these keys replaced. */
    preprocess_params: preprocessParams.partial().optional(),
  })
  .superRefine((m, ctx) => {
    // The model registry's names and params (ml/model-params.ts), checked when the config loads.
    if (!isModelName(m.model_name)) {
      ctx.addIssue({ code: "custom", path: ["model_name"], message: unknownModelNameMessage(m.model_name) });
      return;
    }
    for (const p of modelParamProblems(m.model_name, m.model_params)) {
      ctx.addIssue({ code: "custom", path: ["model_params", p.key], message: p.message });
    }
  });

/** PyOD's MAD is univariate: a MAD model whose features (batch and model preprocess_params) have lag columns. */
function madWithLags(raw: Record<string, unknown>): { index: number; lags: number }[] {
  const list = raw.model_configs;
  if (!Array.isArray(list)) return [];
  const batch = raw.preprocess_params;
  const batchLags = typeof batch === "object" && batch !== null ? (batch as Record<string, unknown>).lags_n : undefined;
  const out: { index: number; lags: number }[] = [];
  list.forEach((m, index) => {
    if (typeof m !== "object" || m === null || (m as Record<string, unknown>).model_name !== "MAD") return;
    const own = (m as Record<string, unknown>).preprocess_params;
    const ownLags = typeof own === "object" && own !== null ? (own as Record<string, unknown>).lags_n : undefined;
    const lags = ownLags ?? batchLags;
    if (typeof lags === "number" && lags > 0) out.push({ index, lags });
  });
  return out;
}

const threshold = z.strictObject({ upper: z.number().optional(), lower: z.number().optional() }).superRefine((t, ctx) => {
  if (t.upper === undefined && t.lower === undefined) {
    ctx.addIssue({ code: "custom", message: "set at least one of upper or lower" });
  } else if (t.upper !== undefined && t.lower !== undefined && t.lower > t.upper) {
    ctx.addIssue({ code: "custom", message: `lower (${t.lower}) is greater than upper (${t.upper})` });
  }
});

const tagValue = z.union([z.string(), z.number(), z.boolean()]);
const destinations = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
/** One entry of `alert_routes`: alerts whose tags match also go to these recipients / channels. */
const alertRoute = z
  .strictObject({
    match: z.record(z.string(), z.union([tagValue, z.array(tagValue).min(1)])).optional(),
    email_to: destinations.optional(),
    slack_channel: destinations.optional(),
    replace: z.boolean().optional(),
  })
  .superRefine((r, ctx) => {
    if (r.email_to === undefined && r.slack_channel === undefined)
      ctx.addIssue({ code: "custom", message: "set email_to or slack_channel (or both)" });
  });

type PerJobKeys = { [J in JobName as `disable_${J}`]: typeof flag } & { [J in JobName as `${J}_cron_schedule`]: typeof cron } & {
  [J in JobName as `${J}_default_schedule_status`]: typeof status;
};

/** The three keys every job of the job table has. */
function perJobKeys(): PerJobKeys {
  return Object.fromEntries(
    JOB_NAMES.flatMap((j) => [
      [`disable_${j}`, flag],
      [`${j}_cron_schedule`, cron],
      [`${j}_default_schedule_status`, status],
    ]),
  ) as PerJobKeys;
}

const shape = {
  // batch identity and ingest (batch YAML only)
  metric_batch: z.string().min(1),
  ingest_sql: template.optional(),
  ingest_fn: z.string().min(1).optional(),
  // what the batch is and what it needs (shown by `anomstack list` and `anomstack examples`)
  description: z.string().min(1).optional(),
  requires_env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name")).optional(),
  requires_network: flag.optional(),
  // storage
  db: z.enum(DB_TYPES),
  table_key: z.string().min(1),
  disable_batch: flag,
  disable_dashboard: flag,
  dashboard_stale_metric_max_days_ago: days,
  stale_after_n_periods: count,
  // per-job switches and schedules (disable_<job>, <job>_cron_schedule, <job>_default_schedule_status)
  ...perJobKeys(),
  // models
  model_path: z.string().superRefine((value, ctx) => {
    const problem = modelPathProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  model_configs: z
    .array(modelConfig)
    .min(1)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((m, i) => {
        if (seen.has(m.model_tag)) ctx.addIssue({ code: "custom", path: [i, "model_tag"], message: `duplicate model_tag "${m.model_tag}"` });
        seen.add(m.model_tag);
      });
    }),
  model_combination_method: z.enum(["mean", "max", "min"]),
  detector_preset: z.enum(DETECTOR_PRESET_NAMES),
  score_calibration: z.enum(SCORE_CALIBRATIONS),
  score_suppress_n: count,
  score_suppress_quiet_n: count,
  // ingest / train / score
  ingest_metric_rounding: rounding,
  ingest_max_future_minutes: count,
  train_max_n: maxN,
  train_min_n: count,
  train_metric_timestamp_max_days_ago: days,
  train_exclude_metrics: metricList,
  score_max_n: maxN,
  score_metric_timestamp_max_days_ago: days,
  score_metric_rounding: rounding,
  score_exclude_metrics: metricList,
  preprocess_params: preprocessParams,
  preprocess_fn: z.string().min(1).optional(),
  // ML alerts
  alert_methods: z.string(),
  alert_routes: z.array(alertRoute),
  alert_delivery_retry_hours: z.number().positive(),
  alert_always: flag,
  alert_threshold: probability,
  alert_recent_n: count,
  alert_smooth_n: count,
  alert_snooze_n: count,
  alert_max_n: maxN,
  alert_metric_timestamp_max_days_ago: days,
  alert_exclude_metrics: metricList,
  // threshold alerts
  tholdalert_methods: z.string(),
  tholdalert_recent_n: count,
  tholdalert_snooze_n: count,
  tholdalert_thresholds: z.record(z.string(), threshold).optional(),
  tholdalert_exclude_metrics: metricList,
  // change detection
  change_threshold: z.number().positive(),
  change_detect_last_n: maxN,
  change_max_n: maxN,
  change_smooth_n: count,
  change_snooze_n: count,
  change_metric_timestamp_max_days_ago: days,
  change_include_metrics: metricList,
  change_exclude_metrics: metricList,
  // LLM alerts
  llmalert_model: z.string().min(1),
  llmalert_recent_n: count,
  llmalert_smooth_n: count,
  llmalert_metric_rounding: rounding,
  llmalert_prompt_max_n: maxN,
  llmalert_include_plot: flag,
  llmalert_metric_timestamp_max_days_ago: days,
  llmalert_anomaly_agent_detection_prompt: z.string().optional(),
  llmalert_anomaly_agent_verification_prompt: z.string().optional(),
  // summary / delete / tags
  summary_metric_timestamp_max_days_ago: days,
  summary_top_n: count,
  delete_after_n_days: days,
  metric_tags: z.record(z.string(), z.record(z.string(), tagValue)).optional(),
  // Windmill deployment (flows generated from this config)
  schedule_timezone: z.string().superRefine((value, ctx) => {
    if (!isTimeZone(value)) ctx.addIssue({ code: "custom", message: `"${value}" is not an IANA time zone (e.g. Etc/UTC, Europe/Dublin)` });
  }),
  shard_size: maxN,
  job_timeout_seconds: maxN,
  job_retries: count,
  worker_tag: z.string().regex(/^[A-Za-z0-9_.-]*$/, "a Windmill worker tag: letters, digits, _ . and - (empty = the default workers)"),
  // SQL templates
  train_sql: template,
  score_sql: template,
  alert_sql: template,
  change_sql: template,
  tholdalert_sql: template,
  plot_sql: template,
  llmalert_sql: template,
  dashboard_sql: template,
  delete_sql: template,
  summary_sql: template,
  // derived by the loader
  metrics_dir: z.string(),
  source_file: z.string(),
  source_dir: z.string(),
};

/**
 * Schema of one merged batch config (strict: unknown keys are rejected). Also checks that exactly
 * one of `ingest_sql` / `ingest_fn` is set; that check runs even when other keys are invalid.
 */
export const BatchConfigSchema = z.strictObject(shape).superRefine(
  (cfg, ctx) => {
    if (typeof cfg !== "object" || cfg === null) return;
    const raw = cfg as Record<string, unknown>;
    const hasSql = raw.ingest_sql !== undefined;
    const hasFn = raw.ingest_fn !== undefined;
    if (hasSql && hasFn) {
      ctx.addIssue({ code: "custom", path: [], message: "both ingest_sql and ingest_fn are set; set exactly one of them" });
    } else if (!hasSql && !hasFn) {
      ctx.addIssue({ code: "custom", path: [], message: "neither ingest_sql nor ingest_fn is set; set exactly one of them" });
    }
    // Keys of preprocess_params beyond the default ones only mean something to a preprocess_fn, and even
    // then one that looks like a typo of a default key (smoth_n) is refused rather than silently ignored.
    const hook = raw.preprocess_fn !== undefined;
    const own = (params: unknown, path: (string | number)[]) => {
      if (typeof params !== "object" || params === null || Array.isArray(params)) return;
      const keys = Object.keys(params).filter((k) => !PREPROCESS_KEYS.includes(k) && (!hook || looksLikeDefaultKey(k)));
      if (keys.length > 0) ctx.addIssue({ code: "unrecognized_keys", keys, path, input: params as Record<string, unknown> });
    };
    own(raw.preprocess_params, ["preprocess_params"]);
    if (Array.isArray(raw.model_configs)) {
      raw.model_configs.forEach((m, i) => {
        own((m as Record<string, unknown> | null)?.preprocess_params, ["model_configs", i, "preprocess_params"]);
      });
    }
    for (const { index, lags } of madWithLags(raw)) {
      ctx.addIssue({
        code: "custom",
        path: ["model_configs", index, "model_name"],
        message: `MAD is univariate (PyOD's MAD), but this model's features have lags_n = ${lags} lag columns; give it preprocess_params: {lags_n: 0}`,
      });
    }
  },
  { when: () => true },
);

/** A validated, fully resolved batch config: every default key is present; keys are the YAML keys. */
export type BatchConfig = z.output<typeof BatchConfigSchema>;

/** Every key a batch config may have (including derived ones). */
export const CONFIG_KEYS: readonly string[] = Object.keys(shape);

/** True unless `disable_<job>` is set for the batch (`disable_alert` controls the alert job). */
export function isJobEnabled(cfg: BatchConfig, job: JobName): boolean {
  return !cfg[`disable_${job}`];
}

/** Cron expression and initial schedule status of a job, as configured. */
export function jobSchedule(cfg: BatchConfig, job: JobName): { cron: string; status: (typeof SCHEDULE_STATUSES)[number] } {
  return { cron: cfg[`${job}_cron_schedule`], status: cfg[`${job}_default_schedule_status`] };
}
