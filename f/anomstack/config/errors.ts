// Error types of the config system: ConfigError (loading/validating batch YAML) and
// TemplateError (rendering a nunjucks template of a batch config).
//nobundling

/** One problem found in a config file, located as precisely as known. */
export interface ConfigIssue {
  /** Absolute path of the file the problem is in (batch YAML or defaults.yaml). */
  file?: string;
  /** 1-based line/column inside `file` (YAML syntax errors). */
  line?: number;
  col?: number;
  /** `metric_batch` of the batch concerned. */
  batch?: string;
  /** Config key, dotted for nested values (`preprocess_params.smooth_n`, `model_configs[0].model_tag`). */
  key?: string;
  /** Human-readable description, without the location prefix. */
  message: string;
}

/** Formats one issue as `<file>[:line:col]: <batch>.<key>: <message>`, omitting absent parts. */
export function formatIssue(issue: ConfigIssue): string {
  const parts: string[] = [];
  if (issue.file) {
    parts.push(issue.line !== undefined ? `${issue.file}:${issue.line}:${issue.col ?? 1}` : issue.file);
  }
  const where = [issue.batch, issue.key].filter((p): p is string => !!p).join(".");
  if (where) parts.push(where);
  parts.push(issue.message);
  return parts.join(": ");
}

/**
 * A config problem. The message has one line per issue (`<file>: <batch>.<key>: <message>`).
 * `file`, `batch` and `key` are set when all issues share them (`key` only for a single issue);
 * `issues` always holds every issue.
 */
export class ConfigError extends Error {
  readonly file?: string;
  readonly batch?: string;
  readonly key?: string;
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue | ConfigIssue[]) {
    const list = Array.isArray(issues) ? issues : [issues];
    super(list.map(formatIssue).join("\n"));
    this.name = "ConfigError";
    this.issues = list;
    const first = list[0];
    if (first) {
      if (list.every((i) => i.file === first.file)) this.file = first.file;
      if (list.every((i) => i.batch === first.batch)) this.batch = first.batch;
      if (list.length === 1) this.key = first.key;
    }
  }
}

/** A template of a batch config failed to render (syntax error, missing include, filter error). */
export class TemplateError extends Error {
  readonly batch: string;
  /** The config key rendered, or the label given to renderString. */
  readonly key: string;
  readonly lineno?: number;
  readonly colno?: number;

  constructor(batch: string, key: string, message: string, lineno?: number, colno?: number) {
    super(`${batch}.${key}: template error: ${message}`);
    this.name = "TemplateError";
    this.batch = batch;
    this.key = key;
    this.lineno = lineno;
    this.colno = colno;
  }
}
