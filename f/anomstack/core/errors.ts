// Errors that jobs raise with the batch, job and (for SQL) the rendered statement, at one choke point.
//nobundling

/** A job failed: the message names the batch and the job, and the cause is kept. */
export class JobError extends Error {
  override name = "JobError";
  constructor(
    readonly batch: string,
    readonly job: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${batch} ${job}: ${message}`, options);
  }
}

/** The ingested data is unusable (wrong columns, non-numeric values...): a retry cannot help. */
export class DataError extends JobError {
  override name = "DataError";
}

/** The batch cannot run as configured (e.g. a variable of requires_env is not set): a retry cannot help. */
export class ConfigJobError extends JobError {
  override name = "ConfigError";
}

/** A SQL template of the batch failed to render: a config problem, a retry cannot help. */
export class TemplateJobError extends JobError {
  override name = "TemplateError";
}

/** SQL failed: the message shows the database's error and the rendered SQL. */
export class SqlError extends JobError {
  override name = "SqlError";
  constructor(
    batch: string,
    job: string,
    readonly sql: string,
    cause: unknown,
  ) {
    super(batch, job, `SQL failed: ${(cause as Error)?.message ?? String(cause)}\n--- rendered SQL ---\n${sql.trim()}\n---`, {
      cause,
    });
  }
}

/** The message of anything thrown. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * A job whose every metric failed is a failed job (a flow's failure handler then tells people), not a
 * success with a list of errors; when some metrics went through, the job succeeds and lists the others.
 * @param ok how many metrics did not fail (done, or waiting for data)
 */
export function throwIfAllFailed(batch: string, job: string, failed: readonly { metric: string; error: string }[], ok: number): void {
  if (failed.length === 0 || ok > 0) return;
  const shown = failed
    .slice(0, 5)
    .map((f) => `${f.metric}: ${f.error}`)
    .join("; ");
  throw new JobError(batch, job, `every metric failed (${failed.length}): ${shown}${failed.length > 5 ? "; ..." : ""}`);
}
