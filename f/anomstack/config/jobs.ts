// The one table of jobs. Every job a batch runs (and the daily summary, which runs over every batch),
// in the order `anomstack run` runs them. Everything that lists jobs derives from this table: the
// config's per-job keys (`disable_<job>`, `<job>_cron_schedule`, `<job>_default_schedule_status`), the
// generated flows and schedules, the CLI, the alert kinds and the checks of the tests. The functions
// that do the work are bound to these names in jobs/index.ts (the compiler checks that none is missing),
// and each job has its Windmill stage script f/anomstack/<name>.ts. Pure data.
//nobundling

/** The kind of alert an alerting job raises: the original's `alert_type` tag of its messages. */
export type AlertKind = "anomaly" | "change" | "threshold" | "llm";

export interface JobSpec {
  /** The job's name: its stage script `f/anomstack/<name>`, its flow, its config keys, its `--jobs` name. */
  readonly name: string;
  /** What it does, in a few words: the title of its flow step. */
  readonly title: string;
  /** `batch`: runs per metric batch, with a flow and a schedule of its own; `global`: once, over every batch. */
  readonly scope: "batch" | "global";
  /** A step of the batch's pipeline flow, the one its HTTP route runs when new data has arrived. */
  readonly pipeline: boolean;
  /** Splits the batch's metrics into shards that run in parallel (see shard_size). */
  readonly sharded: boolean;
  /** Jobs that only read the store (a DuckDB file is opened read-only for them). */
  readonly readsOnly?: true;
  /** Alerting jobs: the kind of alert they raise. Their flag rows have `metric_type` = the job's name. */
  readonly alertKind?: AlertKind;
}

export const JOB_TABLE = [
  { name: "ingest", title: "Ingest", scope: "batch", pipeline: true, sharded: false },
  // Threshold alerts need no model, so they go out even when training or scoring fails.
  { name: "tholdalert", title: "Threshold alerts", scope: "batch", pipeline: true, sharded: false, alertKind: "threshold" },
  { name: "train", title: "Train models", scope: "batch", pipeline: false, sharded: true },
  { name: "score", title: "Score new points", scope: "batch", pipeline: true, sharded: true },
  { name: "alert", title: "Anomaly alerts", scope: "batch", pipeline: true, sharded: false, alertKind: "anomaly" },
  { name: "change", title: "Change detection", scope: "batch", pipeline: true, sharded: false, alertKind: "change" },
  { name: "llmalert", title: "LLM alerts", scope: "batch", pipeline: true, sharded: false, alertKind: "llm" },
  // After the alerting jobs of a run: one message per incident (a metric's alerts of every kind at one point).
  { name: "deliver", title: "Send the alerts", scope: "batch", pipeline: true, sharded: false },
  { name: "plot", title: "Plots", scope: "batch", pipeline: true, sharded: false, readsOnly: true },
  { name: "delete", title: "Delete old rows", scope: "batch", pipeline: false, sharded: false },
  { name: "summary", title: "Daily summary", scope: "global", pipeline: false, sharded: false, readsOnly: true },
] as const satisfies readonly JobSpec[];

type Row = (typeof JOB_TABLE)[number];
/** Every job, the global summary included: each has `disable_<job>`, `<job>_cron_schedule`, `<job>_default_schedule_status`. */
export type JobName = Row["name"];
/** The jobs that run per batch, each with its flow, schedule and stage script. */
export type BatchJobName = Extract<Row, { scope: "batch" }>["name"];
/** The jobs that raise alerts. */
export type AlertJobName = Extract<Row, { alertKind: AlertKind }>["name"];

export const JOB_NAMES: readonly JobName[] = JOB_TABLE.map((j) => j.name);
/** Per-batch jobs in run order: what `anomstack run` runs by default. */
export const BATCH_JOBS: readonly BatchJobName[] = JOB_TABLE.flatMap((j) => (j.scope === "batch" ? [j.name] : []));

/** Every alert kind, in the run order of the jobs that raise them. */
export const ALERT_KINDS_IN_ORDER: readonly AlertKind[] = JOB_TABLE.flatMap((j) => ("alertKind" in j ? [j.alertKind] : []));

/** The spec of one job. */
export function jobSpec(name: JobName): JobSpec {
  return JOB_TABLE.find((j) => j.name === name)!;
}

/** The job that raises `kind` alerts (its name is also the `metric_type` of their flag rows). */
export function alertJobOf(kind: AlertKind): AlertJobName {
  return JOB_TABLE.find((j) => "alertKind" in j && j.alertKind === kind)!.name as AlertJobName;
}

/** True when `name` is a per-batch job. */
export function isBatchJob(name: string): name is BatchJobName {
  return (BATCH_JOBS as readonly string[]).includes(name);
}
