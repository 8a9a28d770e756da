// Delete job: drop the batch's rows older than `delete_after_n_days`, in one
// transaction so a failure deletes nothing.
import { SqlError } from "../core/errors.ts";
import { renderJobSql, type JobContext } from "./job-context.ts";

export interface DeleteResult {
  job: "delete";
  batch: string;
  deleted: number;
}

export async function deleteJob(ctx: JobContext): Promise<DeleteResult> {
  const sql = renderJobSql(ctx, "delete", "delete_sql");
  let deleted: number;
  try {
    deleted = await ctx.store.transaction(() => ctx.store.exec(sql));
  } catch (e) {
    throw new SqlError(ctx.cfg.metric_batch, "delete", sql, e);
  }
  ctx.log.info(`deleted ${deleted} row(s) older than ${ctx.cfg.delete_after_n_days} day(s)`);
  return { job: "delete", batch: ctx.cfg.metric_batch, deleted };
}
