// Delete job: drop the batch's rows older than `delete_after_n_days` (and the delivery records of
// alerts that old), in one transaction so a failure deletes nothing.
//nobundling
import { SqlError } from "../core/errors.ts";
import { openOutbox } from "../store/outbox.ts";
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
    const outbox = await openOutbox(ctx.store);
    const cutoff = new Date(ctx.now.getTime() - ctx.cfg.delete_after_n_days * 86_400_000);
    deleted = await ctx.store.transaction(async () => {
      const rows = await ctx.store.exec(sql);
      await outbox.deleteBefore(ctx.cfg.metric_batch, cutoff);
      return rows;
    });
  } catch (e) {
    throw new SqlError(ctx.cfg.metric_batch, "delete", sql, e);
  }
  ctx.log.info(`deleted ${deleted} row(s) older than ${ctx.cfg.delete_after_n_days} day(s)`);
  return { job: "delete", batch: ctx.cfg.metric_batch, deleted };
}
