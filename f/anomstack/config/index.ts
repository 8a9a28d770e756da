// Public API of the config system: load and validate metric-batch YAML configs, check stage
// switches and schedules, and render their Jinja-style (nunjucks) templates.
export { ConfigError, TemplateError, formatIssue, type ConfigIssue } from "./errors.ts";
export {
  BatchConfigSchema,
  CONFIG_KEYS,
  DB_TYPES,
  DERIVED_KEYS,
  SCHEDULE_STATUSES,
  STAGE_NAMES,
  isStageEnabled,
  stageSchedule,
  type BatchConfig,
  type StageName,
} from "./schema.ts";
export { ingestFnPath, loadBatch, loadConfig, resolveDuckdbPath, resolveMetricsDir, type LoadOptions, type LoadedConfig } from "./load.ts";
export { batchEnvName } from "./env.ts";
export { cronProblem, toSixFieldCron } from "./cron.ts";
export { formatTimestamp, renderString, renderTemplate } from "./render.ts";
export { sqlIdent, sqlList, sqlStr } from "./sql-filters.ts";
