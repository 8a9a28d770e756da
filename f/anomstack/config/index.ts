// Public API of the config system: the job table, load and validate metric-batch YAML configs, check
// job switches and schedules, and render their Jinja-style (nunjucks) templates.
//nobundling
export { ConfigError, TemplateError, formatIssue, type ConfigIssue } from "./errors.ts";
export {
  BatchConfigSchema,
  CONFIG_KEYS,
  DB_TYPES,
  DERIVED_KEYS,
  SCHEDULE_STATUSES,
  isJobEnabled,
  jobSchedule,
  type BatchConfig,
} from "./schema.ts";
export {
  ALERT_KINDS_IN_ORDER,
  BATCH_JOBS,
  JOB_NAMES,
  JOB_TABLE,
  alertJobOf,
  isBatchJob,
  jobSpec,
  type AlertJobName,
  type AlertKind,
  type BatchJobName,
  type JobName,
  type JobSpec,
} from "./jobs.ts";
export {
  ingestFnPath,
  loadBatch,
  loadConfig,
  preprocessFnPath,
  resolveDuckdbLockTimeout,
  resolveDuckdbPath,
  resolveMetricsDir,
  type DisabledBatch,
  type LoadOptions,
  type LoadedConfig,
} from "./load.ts";
export { batchEnvName } from "./env.ts";
export { cronProblem, isStale, toSixFieldCron } from "./cron.ts";
export { renderString, renderTemplate } from "./render.ts";
export { sqlIdent, sqlList, sqlStr } from "./sql-filters.ts";
