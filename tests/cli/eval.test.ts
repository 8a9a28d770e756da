// `anomstack eval` as a user runs it: a replayed batch in a DuckDB file, label files, thumbs up / down.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayJob } from "../../f/anomstack/jobs/replay.ts";
import { closeJobContext } from "../../f/anomstack/jobs/job-context.ts";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { makeWorkspace, noise, REPO_DIR, seriesRows, storedRows, type Workspace } from "../helpers/workspace.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const STEP = 300_000;
let ws: Workspace;
let alertTimes: number[];

function anomstack(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(REPO_DIR, "scripts/anomstack.mjs"), ...args], {
    cwd: ws.dir,
    env: { ...process.env, ...ws.env, ANOMSTACK_LOG_LEVEL: "warn" },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const iso = (t: number) => new Date(t).toISOString().replace("T", " ").replace(".000Z", "");

beforeAll(async () => {
  ws = makeWorkspace();
  ws.writeBatch("ev", "ingest_sql: select 1\n");
  const ctx = await ws.open("ev", NOW);
  const values = noise(300).map((x) => 10 + x);
  values[200] = 25;
  await ctx.store.append(seriesRows("ev", "m", values, NOW, STEP));
  await replayJob(ctx, {});
  alertTimes = (await storedRows(ctx, "alert")).map((r) => r.metric_timestamp.getTime());
  // one right alert (thumbs up), one wrong (thumbs down)
  await ctx.store.append([
    { metric_timestamp: new Date(alertTimes[0]), metric_batch: "ev", metric_name: "m", metric_type: "thumbsup", metric_value: 1, metadata: "" },
    { metric_timestamp: new Date(alertTimes[1]), metric_batch: "ev", metric_name: "m", metric_type: "thumbsdown", metric_value: 1, metadata: "" },
  ]);
  await closeJobContext(ctx);
  await closeAllDuckdbInstances();
});
afterAll(async () => {
  await closeAllDuckdbInstances();
});

describe("anomstack eval", () => {
  it("scores the replayed history against windows, point labels and feedback", () => {
    const spike = NOW.getTime() - 99 * STEP; // point 200
    expect(alertTimes).toContain(spike);
    const windows = path.join(ws.dir, "windows.json");
    fs.writeFileSync(windows, JSON.stringify({ "m.csv": [[iso(spike - 5 * STEP), iso(spike + 5 * STEP)]] }));
    const labels = path.join(ws.dir, "labels.csv");
    fs.writeFileSync(labels, `timestamp,metric,label\n${iso(spike)},m,1\n${iso(spike + STEP)},m,0\n`);
    const r = anomstack(["eval", "--batch", "ev", "--windows", windows, "--labels", labels, "--feedback", "--json", "--now", NOW.toISOString()]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.windows).toMatchObject({ metrics: 1, points: 300, windows: 1 });
    expect(report.windows.scores[0]).toMatchObject({ profile: "standard", tp: 1, fn: 0 });
    expect(report.windows.alerts[0]).toMatchObject({ tp: 1, fn: 0 }); // alerts in NAB's probation (15%) do not count
    expect(report.points).toMatchObject({ labelled: 1, caught: 1, alerts: alertTimes.length, true_alerts: 1, recall: 1 });
    expect(report.feedback).toEqual({ alerts: alertTimes.length, rated: 2, up: 1, down: 1, precision: 0.5 });
    const text = anomstack(["eval", "--batch", "ev", "--windows", windows, "--now", NOW.toISOString()]);
    expect(text.out).toMatch(/ev: NAB windows — 1 metric\(s\), 300 point\(s\), 1 window\(s\)/);
    expect(text.out).toMatch(/reward_low_FN_rate/);
  });

  it("names a bad label file's problem", () => {
    const bad = path.join(ws.dir, "bad.csv");
    fs.writeFileSync(bad, "timestamp,label\n2026-01-01,1\n");
    const e = anomstack(["eval", "--batch", "ev", "--labels", bad]);
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/--metric/);
  });
});
