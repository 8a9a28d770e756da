// Every job on a batch whose `db` is PostgreSQL: ingest_sql runs there, and the metrics table lives there.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PG_URL, requirePostgres } from "../helpers/services.ts";
import { ingestJob } from "../../f/anomstack/jobs/ingest.ts";
import { trainJob } from "../../f/anomstack/jobs/train.ts";
import { scoreJob } from "../../f/anomstack/jobs/score.ts";
import { alertJob } from "../../f/anomstack/jobs/alert.ts";
import { changeJob } from "../../f/anomstack/jobs/change.ts";
import { deleteJob } from "../../f/anomstack/jobs/delete.ts";
import { backfillJob } from "../../f/anomstack/jobs/backfill.ts";
import { replayJob } from "../../f/anomstack/jobs/replay.ts";
import { closeJobContext } from "../../f/anomstack/jobs/job-context.ts";
import { makeWorkspace, noise, seriesRows, type Workspace } from "../helpers/workspace.ts";

const SCHEMA = `anomstack_jobs_${process.pid}_${Date.now()}`;
const NOW = new Date("2026-03-01T12:00:00Z");
const STEP = 300_000;
let ws: Workspace;

beforeAll(async () => {
  await requirePostgres();
  ws = makeWorkspace();
  ws.env.ANOMSTACK_POSTGRES_URL = PG_URL;
  ws.writeBatch(
    "pgb",
    // change_smooth_n 1: the one spike below is also a change (the default asks for a new level over 12 points)
    `db: postgres\ntable_key: ${SCHEMA}.metrics\nalert_smooth_n: 0\nchange_smooth_n: 1\ningest_sql: "select cast({{ now | sql_str }} as timestamp) as metric_timestamp, 'sql_metric' as metric_name, 2.5 as metric_value"\ningest_cron_schedule: "*/5 * * * *"\n`,
  );
});
afterAll(async () => {
  const c = new pg.Client(PG_URL);
  await c.connect();
  await c.query(`drop schema if exists "${SCHEMA}" cascade`);
  await c.end();
});

describe("jobs on PostgreSQL", () => {
  it("ingest and backfill run ingest_sql on PostgreSQL and store there, once", async () => {
    const ctx = await ws.open("pgb", NOW);
    expect(ctx.store.dialect).toBe("postgres");
    expect(await ingestJob(ctx)).toMatchObject({ rows: 1, inserted: 1 });
    expect(await ingestJob(ctx)).toMatchObject({ rows: 1, inserted: 0 });
    expect(await backfillJob(ctx, { periods: 12 })).toMatchObject({ periods: 12, rows: 12, inserted: 11 });
    await closeJobContext(ctx);
  });

  it("train, score, alert, change, replay and delete work there too", async () => {
    const ctx = await ws.open("pgb", NOW);
    const values = noise(120).map((x) => 10 + x);
    await ctx.store.append(seriesRows("pgb", "m", values, new Date(NOW.getTime() - STEP), STEP));
    expect(await trainJob(ctx)).toMatchObject({ trained: ["m"], failed: [] });
    await ctx.store.append(seriesRows("pgb", "m", [40], NOW));
    expect((await scoreJob(ctx)).scored).toBe(25);
    const alert = await alertJob(ctx);
    // The same spike alerts with the same score on DuckDB (tests/jobs/jobs.test.ts).
    expect(alert.alerts).toEqual([{ metric: "m", timestamp: NOW.toISOString(), score_smooth: expect.any(Number) }]);
    expect(alert.alerts[0].score_smooth).toBeGreaterThanOrEqual(ctx.cfg.alert_threshold);
    expect((await changeJob(ctx)).changes.map((c) => c.metric)).toEqual(["m"]);
    const replay = await replayJob(ctx, { retrainEvery: 40 });
    expect(replay.failed).toEqual([]);
    expect(replay.scored).toBeGreaterThan(50);
    await ctx.store.append(seriesRows("pgb", "m", [1], new Date(NOW.getTime() - 400 * 86_400_000)));
    expect(await deleteJob(ctx)).toEqual({ job: "delete", batch: "pgb", deleted: 1 });
    await closeJobContext(ctx);
  });
});
