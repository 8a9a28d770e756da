// The `anomstack` command as a user runs it: a real process, real metrics folder, real DuckDB file.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { BATCH_JOBS } from "../../f/anomstack/config/index.ts";
import { makeWorkspace, REPO_DIR, type Workspace } from "../helpers/workspace.ts";

let ws: Workspace;
// Each test starts several `anomstack` processes: on a busy machine they may take minutes, which says
// nothing about the CLI's speed (npm run bench measures that).
vi.setConfig({ testTimeout: 600_000 });

function anomstack(args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(REPO_DIR, "scripts/anomstack.mjs"), ...args], {
    cwd: ws.dir,
    env: { ...process.env, ...ws.env, ANOMSTACK_LOG_LEVEL: "warn", ...extraEnv },
    encoding: "utf8",
    timeout: 170_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  ws = makeWorkspace();
  fs.cpSync(path.join(REPO_DIR, "metrics/examples"), path.join(ws.metricsDir, "examples"), { recursive: true });
});

describe("anomstack", () => {
  it("has --help for every command", () => {
    const top = anomstack(["--help"]);
    expect(top.code).toBe(0);
    for (const cmd of ["list", "config", "run", "backfill", "replay", "demo"]) {
      expect(top.out).toContain(cmd);
      const sub = anomstack([cmd, "--help"]);
      expect(sub.code, cmd).toBe(0);
      expect(sub.out).toMatch(new RegExp(`^Usage: anomstack ${cmd}`));
    }
  });

  it("lists batches with their db, jobs and schedules", () => {
    const r = anomstack(["list", "--json"]);
    expect(r.code).toBe(0);
    const listed = JSON.parse(r.out);
    expect(listed.batches.map((b: { batch: string }) => b.batch)).toEqual(["example_simple", "python_ingest_simple"]);
    const py = listed.batches[1];
    expect(py.jobs).toEqual(["ingest", "tholdalert", "train", "score", "alert", "change", "deliver", "plot", "delete"]);
    expect(py.schedules.ingest).toEqual({ cron: "*/5 * * * *", status: "STOPPED" });
    expect(listed.batches[0].jobs).not.toContain("tholdalert");
    const table = anomstack(["list"]);
    expect(table.out).toContain("python_ingest_simple");
    expect(table.out).toContain("ingest_fn ingest.ts");
  });

  it("prints the resolved config with env overrides typed", () => {
    const r = anomstack(["config", "--batch", "python_ingest_simple"], {
      ANOMSTACK__PYTHON_INGEST_SIMPLE__ALERT_THRESHOLD: "0.95",
      ANOMSTACK__PYTHON_INGEST_SIMPLE__DISABLE_CHANGE: "true",
    });
    expect(r.code).toBe(0);
    const cfg = JSON.parse(r.out);
    expect(cfg.alert_threshold).toBe(0.95);
    expect(cfg.disable_change).toBe(true);
    expect(cfg.preprocess_params).toEqual({ diff_n: 0, smooth_n: 0, lags_n: 0, freq: null, freq_agg: "mean" });
    expect(cfg.detector_preset).toBe("default");
    const missing = anomstack(["config", "--batch", "python_ingest_simpel"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/python_ingest_simpel/);
    expect(missing.err).toMatch(/python_ingest_simple/);
  });

  it("backfills, replays and runs a batch, and reports bad job names", () => {
    const now = "2026-03-01T12:00:00Z";
    const b = anomstack(["backfill", "--batch", "python_ingest_simple", "--periods", "60", "--now", now]);
    expect(b.code).toBe(0);
    expect(b.out).toBe(
      "python_ingest_simple: backfilled 60 period(s) from 2026-03-01T07:05:00.000Z to 2026-03-01T12:00:00.000Z: 300 row(s), 300 new\n",
    );
    const r = anomstack(["replay", "--batch", "python_ingest_simple", "--now", now]);
    expect(r.code).toBe(0);
    // the default detector scores once its level_smooth member has 14 rows of 24-point means: points 37..59
    expect(r.out).toMatch(
      /^python_ingest_simple: replayed 5 metric\(s\): 115 score\(s\), \d+ anomaly alert\(s\), \d+ change\(s\), \d+ threshold alert\(s\)\n$/,
    );
    const run = anomstack(["run", "--batch", "python_ingest_simple", "--jobs", "ingest,train,score", "--now", "2026-03-01T12:05:00Z"]);
    expect(run.code).toBe(0);
    expect(run.out.split("\n").filter(Boolean)).toEqual([
      "python_ingest_simple ingest: 5 row(s) for 5 metric(s), 5 new",
      "python_ingest_simple train: 5 trained, 0 waiting for data, 0 failed",
      "python_ingest_simple score: 5 point(s) scored",
    ]);
    const bad = anomstack(["run", "--jobs", "ingest,trian"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(`unknown job(s) trian; valid: ${BATCH_JOBS.join(", ")}`);
    const badPeriods = anomstack(["backfill", "--batch", "python_ingest_simple", "--periods", "zero"]);
    expect(badPeriods.code).not.toBe(0);
    expect(badPeriods.err).toContain("must be a positive integer");
  });

  it("demo: backfills an empty store, finds anomalies, and continues on the next run", () => {
    const demoWs = makeWorkspace();
    fs.cpSync(path.join(REPO_DIR, "metrics/examples"), path.join(demoWs.metricsDir, "examples"), { recursive: true });
    const env = { ...demoWs.env };
    const first = anomstack(["demo", "--now", "2026-03-01T12:00:00Z"], env);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain("python_ingest_simple: no data yet, backfilling 600 periods and replaying them");
    expect(first.out).toMatch(/python_ingest_simple: most recent alerts/);
    expect(first.out).toMatch(/🔥 anomaly/);
    const second = anomstack(["demo", "--now", "2026-03-01T12:05:00Z"], env);
    expect(second.code).toBe(0);
    expect(second.out).not.toContain("no data yet");
    expect(second.out).toContain("python_ingest_simple ingest: 5 row(s) for 5 metric(s), 5 new");
  });
});
