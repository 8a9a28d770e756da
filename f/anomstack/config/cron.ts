// Cron expression validation for the `<job>_cron_schedule` keys (5 fields, or 6 with leading seconds),
// using cron-parser so that ranges, steps and names are checked too.
//nobundling
import { CronExpressionParser } from "cron-parser";

/**
 * Returns why `expr` is not a valid cron expression, or undefined if it is valid.
 * Accepts standard 5-field crons (`m h dom mon dow`) and 6-field crons with leading seconds;
 * rejects `@daily`-style aliases and any other field count.
 */
export function cronProblem(expr: string): string | undefined {
  // Pure, and asked about the same few expressions each time a batch is loaded (cron-parser is slow).
  if (checkedCrons.has(expr)) return checkedCrons.get(expr);
  const problem = parseProblem(expr);
  if (checkedCrons.size >= 1024) checkedCrons.clear();
  checkedCrons.set(expr, problem);
  return problem;
}

const checkedCrons = new Map<string, string | undefined>();

function parseProblem(expr: string): string | undefined {
  const fields = expr
    .trim()
    .split(/\s+/)
    .filter((f) => f !== "");
  if (fields.length !== 5 && fields.length !== 6) {
    return `invalid cron expression "${expr}": expected 5 fields (minute hour day-of-month month day-of-week) or 6 with leading seconds, got ${fields.length}`;
  }
  try {
    CronExpressionParser.parse(fields.join(" "));
    return undefined;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return `invalid cron expression "${expr}": ${reason}`;
  }
}

/** Converts a valid 5- or 6-field cron to the 6-field form with seconds (`0 <5 fields>`), as Windmill expects. */
export function toSixFieldCron(expr: string): string {
  const fields = expr
    .trim()
    .split(/\s+/)
    .filter((f) => f !== "");
  return fields.length === 5 ? ["0", ...fields].join(" ") : fields.join(" ");
}

/**
 * True when `latest` (the batch's newest point) is older than the ingest fire time `periods` periods
 * before `now` (by `ingest_cron_schedule` in `schedule_timezone`): ingest has not stored anything for a
 * while. `periods` 0 = never stale; no point at all is not stale (a new batch).
 */
export function isStale(
  cfg: { ingest_cron_schedule: string; schedule_timezone: string; stale_after_n_periods: number },
  latest: Date | null,
  now: Date,
): boolean {
  if (latest === null || cfg.stale_after_n_periods === 0) return false;
  const it = CronExpressionParser.parse(cfg.ingest_cron_schedule, { currentDate: new Date(now.getTime() + 1), tz: cfg.schedule_timezone || "UTC" });
  let fire = now;
  for (let i = 0; i < cfg.stale_after_n_periods; i++) fire = it.prev().toDate();
  return latest.getTime() < fire.getTime();
}
