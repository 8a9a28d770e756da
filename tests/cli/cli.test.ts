// The `anomstack` command as a user runs it: a real process, real metrics folder, real DuckDB file.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { BATCH_JOBS } from "../../f/anomstack/config/index.ts";
import { makeWorkspace, REPO_DIR, type Workspace } from "../helpers/workspace.ts";
import { closeAllDuckdbInstances, openDuckdbStore } from "../../f/anomstack/store/duckdb/store.ts";
import { exampleRoutes, startReplay } from "../examples/helpers/replay-server.ts";

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

/** Like anomstack(), without blocking this process (a server of the test must answer it). */
function anomstackAsync(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [path.join(REPO_DIR, "scripts/anomstack.mjs"), ...args], {
    cwd: ws.dir,
    env: { ...process.env, ...ws.env, ANOMSTACK_LOG_LEVEL: "warn", ...extraEnv },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (err += c));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out, err })));
}

beforeAll(() => {
  ws = makeWorkspace();
  fs.cpSync(path.join(REPO_DIR, "metrics/examples"), path.join(ws.metricsDir, "examples"), { recursive: true });
});

describe("anomstack", () => {
  it("has --help for every command", () => {
    const top = anomstack(["--help"]);
    expect(top.code).toBe(0);
    for (const cmd of ["list", "examples", "config", "run", "backfill", "replay", "demo"]) {
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

  it("lists the batches that are off, why, the variable that switches each on and what it needs", () => {
    const r = anomstack(["list", "--json"]);
    const listed = JSON.parse(r.out);
    const tomtom = listed.disabled_batches.find((b: { batch: string }) => b.batch === "tomtom");
    expect(tomtom).toMatchObject({
      disabled_by: { kind: "batch" },
      enable_with: "ANOMSTACK__TOMTOM__DISABLE_BATCH=false",
      requires_env: ["ANOMSTACK_TOMTOM_API_KEY"],
      missing_env: ["ANOMSTACK_TOMTOM_API_KEY"],
      requires_network: true,
    });
    expect(listed.disabled).toHaveLength(27);
    const text = anomstack(["list"], { ANOMSTACK_TOMTOM_API_KEY: "k", ANOMSTACK__SALES__DISABLE_BATCH: "yes" });
    expect(text.out).toContain("27 batch(es) off (not loaded, no flows generated):");
    const line = (batch: string) => text.out.split("\n").find((l) => l.startsWith(`${batch} `)) ?? "";
    expect(line("tomtom")).toMatch(
      /ANOMSTACK__TOMTOM__DISABLE_BATCH=false +disable_batch: true in examples\/tomtom\/tomtom\.yaml +internet; env ANOMSTACK_TOMTOM_API_KEY \(set\)$/,
    );
    expect(line("sales")).toMatch(/ANOMSTACK__SALES__DISABLE_BATCH=false +env ANOMSTACK__SALES__DISABLE_BATCH +nothing$/);
    // named explicitly, a batch that is off is refused with the way to switch it on
    const run = anomstack(["run", "--batch", "tomtom", "--jobs", "ingest"]);
    expect(run.code).toBe(1);
    expect(run.out).toContain("tomtom ingest: FAILED: ");
    expect(run.out).toContain("switch it on with ANOMSTACK__TOMTOM__DISABLE_BATCH=false");
  });

  it("examples: one line per example with whether it is on, its source and what it needs", () => {
    const r = anomstack(["examples"], { POSTHOG_API_KEY: "phx" });
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines).toHaveLength(2 + 29 + 1);
    expect(lines[0]).toMatch(/^example +on +source +needs$/);
    expect(lines.find((l) => l.startsWith("python_ingest_simple "))).toMatch(/ on +TypeScript ingest_fn .* nothing$/);
    expect(lines.find((l) => l.startsWith("posthog "))).toMatch(/ off +PostHog query API .* internet; env POSTHOG_API_KEY \(set\)$/);
    expect(lines.find((l) => l.startsWith("freq_example (freq/) "))).toMatch(/internet; db bigquery$/);
    expect(lines.at(-1)).toBe(
      "29 example(s), 27 off. Switch one on with ANOMSTACK__<BATCH>__DISABLE_BATCH=false; try one without storing anything: anomstack run --batch <name> --dry-run",
    );
    const json = JSON.parse(anomstack(["examples", "--json"]).out);
    expect(json.examples.filter((e: { on: boolean }) => e.on).map((e: { batch: string }) => e.batch)).toEqual([
      "example_simple",
      "python_ingest_simple",
    ]);
  });

  it("run --dry-run prints the ingested rows and stores nothing, also for an example that is off", async () => {
    const dry = makeWorkspace();
    fs.cpSync(path.join(REPO_DIR, "metrics/examples"), path.join(dry.metricsDir, "examples"), { recursive: true });
    const r = anomstack(["run", "--batch", "python_ingest_simple", "--dry-run", "--now", "2026-03-01T12:00:00Z"], dry.env);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/│ 2026-03-01 12:00 +│ metric1 +│ [\d.]+ +│/);
    expect(r.out.trimEnd().split("\n").at(-1)).toBe("python_ingest_simple ingest (dry run): 5 row(s) for 5 metric(s); nothing stored");
    const store = await openDuckdbStore({ path: dry.duckdbPath });
    expect(await store.query("select count(*) as n from metrics")).toEqual([{ n: 0 }]);
    await store.close();
    await closeAllDuckdbInstances();
    const bad = anomstack(["run", "--dry-run", "--jobs", "train"], dry.env);
    expect(bad.err).toContain("--dry-run runs the ingest only");
    const server = await startReplay(exampleRoutes(path.join(REPO_DIR, "metrics/examples/hackernews")));
    try {
      const hn = await anomstackAsync(["run", "--batch", "hackernews", "--dry-run", "--now", "2026-03-01T12:00:00Z"], {
        ...dry.env,
        ANOMSTACK_EXAMPLE_HACKERNEWS_URL: server.url,
      });
      expect(hn.code, hn.err).toBe(0);
      expect(hn.out).toContain("hackernews: off (disable_batch); switched on for this dry run only");
      expect(hn.out).toMatch(/│ hn_top_10_total_score +│ 2500 +│/);
      expect(hn.out).toContain("hackernews ingest (dry run): 4 row(s) for 4 metric(s); nothing stored");
      await server.close();
      // the API gone: that example fails with the URL, the next batch still runs
      const down = await anomstackAsync(["run", "--batch", "hackernews", "python_ingest_simple", "--dry-run"], {
        ...dry.env,
        ANOMSTACK_EXAMPLE_HACKERNEWS_URL: server.url,
      });
      expect(down.code).toBe(1);
      expect(down.out).toContain("python_ingest_simple ingest (dry run): 5 row(s) for 5 metric(s); nothing stored");
      expect(down.out).toMatch(
        /hackernews ingest \(dry run\): FAILED: hackernews ingest: ingest_fn hackernews\.ts threw: GET http:\/\/127\.0\.0\.1:\d+\/v0\/topstories\.json: network error: connect ECONNREFUSED/,
      );
    } finally {
      await server.close();
    }
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
