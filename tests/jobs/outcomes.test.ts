// What a job's outcome says: a job whose every metric failed fails; an empty ingest window is only a
// warning; rows far in the future are refused; a batch whose data stopped gets one stale notice; any
// metric name the store accepts trains and scores.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { AlertChannel, Notice } from "../../f/anomstack/alerts/channel.ts";
import { ingestJob, ingestWrangleOptions } from "../../f/anomstack/jobs/ingest.ts";
import { wrangleIngested } from "../../f/anomstack/jobs/wrangle.ts";
import { trainJob } from "../../f/anomstack/jobs/train.ts";
import { scoreJob } from "../../f/anomstack/jobs/score.ts";
import { closeJobContext, renderJobSql } from "../../f/anomstack/jobs/job-context.ts";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { makeWorkspace, noise, seriesRows, storedRows, type Workspace } from "../helpers/workspace.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const STEP = 300_000;
let ws: Workspace;

beforeEach(() => {
  ws = makeWorkspace();
});
afterAll(async () => {
  await closeAllDuckdbInstances();
});

function notices(): { ch: AlertChannel; got: Notice[] } {
  const got: Notice[] = [];
  return { got, ch: { name: "email", defaultDestination: "ops@example.com", send: async (n) => void got.push(n) } };
}

describe("job outcomes", () => {
  it("training fails as a job when every metric failed, and succeeds listing the failures when some trained", async () => {
    // MCD refuses a series whose values are mostly one value (as scikit-learn does)
    ws.writeBatch("b", "ingest_sql: select 1\nmodel_configs: [{model_name: MCD, model_tag: m}]\n");
    const ctx = await ws.open("b", NOW);
    const flat = Array.from({ length: 60 }, () => 1);
    await ctx.store.append([...seriesRows("b", "x", flat, NOW, STEP), ...seriesRows("b", "y", flat, NOW, STEP)]);
    await expect(trainJob(ctx)).rejects.toThrow(/^b train: every metric failed \(2\): x: .*; y: /);
    // one metric that trains: the job succeeds and lists the failure
    await ctx.store.append(seriesRows("b", "z", noise(60, 3), NOW, STEP));
    const r = await trainJob(ctx);
    expect(r.trained).toEqual(["z"]);
    expect(r.failed.map((f) => f.metric)).toEqual(["x", "y"]);
    await closeJobContext(ctx);
  });

  it("an empty ingest window is a warning, not a failure", async () => {
    ws.writeBatch("b", "ingest_sql: select 1 as metric_value, 'x' as metric_name, now() as metric_timestamp where false\n");
    const ctx = await ws.open("b", NOW);
    const r = await ingestJob(ctx);
    expect(r).toMatchObject({ rows: 0, inserted: 0, warnings: ["ingest returned no rows: nothing new in this window"] });
    expect(ctx.logLines.some((l) => l.level === "warn" && l.msg.includes("nothing new in this window"))).toBe(true);
    await closeJobContext(ctx);
  });

  it("refuses rows later than ingest_max_future_minutes after now, naming the metric and the row, and stores nothing", async () => {
    ws.writeBatch(
      "b",
      `ingest_sql: "select * from (values (cast({{ now | sql_str }} as timestamp), 'ok', 1.0), (timestamp '2999-01-01 00:00:00', 'late', 2.0)) t(metric_timestamp, metric_name, metric_value)"\n`,
    );
    const ctx = await ws.open("b", NOW);
    await expect(ingestJob(ctx)).rejects.toThrow(
      "row 1 (late): metric_timestamp 2999-01-01T00:00:00.000Z is in the future (more than ingest_max_future_minutes = 60 after now, 2026-03-01T12:00:00.000Z)",
    );
    expect(await storedRows(ctx, "metric")).toEqual([]);
    await closeJobContext(ctx);
  });

  it("an ingest_sql of many chunks is checked chunk by chunk as a whole: every row stored once, or bad rows in late chunks named as for the whole result and nothing stored", async () => {
    // 7,000 rows: DuckDB streams them in chunks of 2,048; duplicates across chunks are stored once.
    const rowsSql = (bad: string) =>
      `select cast({{ now | sql_str }} as timestamp) - to_minutes(i % 3500) as metric_timestamp, 'm' || (i % 7) as metric_name,
              ${bad} as metric_value from range(7000) t(i)`;
    ws.writeBatch("good", `ingest_sql: "${rowsSql("case when i = 6999 then null else i / 4 end")}"\n`);
    const good = await ws.open("good", NOW);
    const r = await ingestJob(good);
    // i and i + 3,500 are the same point of the same metric when 3,500 % 7 = 0: the second is a repeat
    expect(r).toMatchObject({ rows: 6999, inserted: 3500, metrics: 7, warnings: ["dropped 1 row(s) of m6 with a missing (null/NaN) metric_value"] });
    const stored = await storedRows(good, "metric");
    expect(stored).toHaveLength(3500);
    // the first of repeated rows is kept (as in one append)
    expect(stored.find((s) => s.metric_name === "m0" && s.metric_timestamp.getTime() === NOW.getTime())?.metric_value).toBe(0);
    await closeJobContext(good);

    // invalid values in the first and the last chunks: the same message as the whole result checked at once
    ws.writeBatch("bad", `ingest_sql: "${rowsSql("case when i in (5, 2047, 2048, 4100, 6998) or i > 6990 then 'x' else cast(i as varchar) end")}"\n`);
    const bad = await ws.open("bad", NOW);
    const whole = await bad.store.query(renderJobSql(bad, "ingest", "ingest_sql"));
    let expected = "";
    try {
      wrangleIngested(whole, ingestWrangleOptions(bad));
    } catch (e) {
      expected = (e as Error).message;
    }
    expect(expected).toMatch(
      /^ingest returned 13 invalid row\(s\):\n {2}row 5 \(m5\): metric_value "x" is not a number\n[\s\S]*\n {2}\.\.\. and 3 more$/,
    );
    await expect(ingestJob(bad)).rejects.toThrow(`bad ingest: ${expected}`);
    expect(await storedRows(bad, "metric")).toEqual([]);
    await closeJobContext(bad);
  });

  it("a batch whose data stopped gets one stale notice per silence", async () => {
    ws.writeBatch(
      "b",
      'ingest_sql: "select 1 as metric_value, \'x\' as metric_name, now() as metric_timestamp where false"\ningest_cron_schedule: "*/5 * * * *"\n',
    );
    const mail = notices();
    const ctx = await ws.open("b", NOW, { channels: [mail.ch] });
    // the newest point is an hour old: 12 periods of 5 minutes (stale after 3)
    await ctx.store.append(seriesRows("b", "x", noise(10, 1), new Date(NOW.getTime() - 3_600_000), STEP));
    expect((await ingestJob(ctx)).stale).toBe(true);
    await closeJobContext(ctx);
    const later = await ws.open("b", new Date(NOW.getTime() + STEP), { channels: [mail.ch] });
    expect((await ingestJob(later)).stale).toBe(true);
    expect(mail.got.map((n) => n.title)).toEqual(["⏸️ [b] no new data since 2026-03-01 11:00 UTC"]);
    // new data, then a new silence: told again
    await later.store.append(seriesRows("b", "x", [5], new Date(NOW.getTime() + STEP), STEP));
    await closeJobContext(later);
    const quietAgain = await ws.open("b", new Date(NOW.getTime() + 6 * 3_600_000), { channels: [mail.ch] });
    expect((await ingestJob(quietAgain)).stale).toBe(true);
    expect(mail.got).toHaveLength(2);
    await closeJobContext(quietAgain);
  });

  it("a 300-character metric name and a Chinese one train and score", async () => {
    const long = `m_${"x".repeat(298)}`;
    const chinese = "每分钟订单数量".repeat(4).slice(0, 30);
    ws.writeBatch("b", "ingest_sql: select 1\n");
    const ctx = await ws.open("b", NOW);
    const at = new Date(NOW.getTime() - STEP);
    await ctx.store.append([...seriesRows("b", long, noise(80, 1), at, STEP), ...seriesRows("b", chinese, noise(80, 2), at, STEP)]);
    const t = await trainJob(ctx);
    expect(t.failed).toEqual([]);
    expect(t.trained.sort()).toEqual([chinese, long].sort());
    await ctx.store.append([...seriesRows("b", long, [50], NOW, STEP), ...seriesRows("b", chinese, [50], NOW, STEP)]);
    const s = await scoreJob(ctx);
    expect(s.failed).toEqual([]);
    expect(s.no_model).toEqual([]);
    expect(s.metrics).toBe(2);
    await closeJobContext(ctx);
  });
});
