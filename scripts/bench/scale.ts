// `npm run bench:scale -- --metrics N --points P [--shard-size S] [--json]`: one batch of N metrics at a
// 10-minute cadence with P points of history each, ingested by SQL from a CSV into an embedded DuckDB
// file, every job run through the CLI as a user runs it (`anomstack run --batch B --jobs J`, one child
// process per job): cold start (ingest + train + score), a live cycle (ingest + score + alert + change of
// one new point per metric), a retrain, and `anomstack list` on a small folder. Per job: wall seconds,
// CPU seconds (user + sys, all threads, DuckDB's included: less disturbed by other load than wall time)
// and the child's peak RSS. `--shard-size S` sets the batch's shard_size, so train and score run as the
// generated flows' shard loops. `--repo DIR` measures another checkout (before/after). `--profile DIR` writes a .cpuprofile per job (node --cpu-prof).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BATCH = "scale";
const CADENCE_MS = 10 * 60_000;
/** The newest history point; the live cycle adds the point one cadence later. */
const HISTORY_END = Date.UTC(2026, 0, 15, 12, 0, 0);

const { values: args } = parseArgs({
  options: {
    metrics: { type: "string", default: "1000" },
    points: { type: "string", default: "300" },
    "shard-size": { type: "string" },
    json: { type: "boolean", default: false },
    profile: { type: "string" },
    keep: { type: "boolean", default: false },
    // Another checkout to measure (its CLI and its metrics/defaults), e.g. main for a before/after.
    repo: { type: "string" },
  },
});
const nMetrics = Number(args.metrics);
const nPoints = Number(args.points);
if (!Number.isInteger(nMetrics) || nMetrics < 1) throw new Error(`--metrics must be a positive integer, got ${args.metrics}`);
if (!Number.isInteger(nPoints) || nPoints < 20) throw new Error(`--points must be an integer >= 20, got ${args.points}`);
const CLI_REPO = path.resolve(args.repo ?? REPO);
const shardSize = args["shard-size"] === undefined ? undefined : Number(args["shard-size"]);

interface JobRun {
  job: string;
  wall_s: number;
  cpu_s: number;
  max_rss_mb: number;
  /** The CLI's own summary line(s) of the job. */
  output: string;
}

interface Phase {
  phase: string;
  jobs: JobRun[];
  wall_s: number;
  cpu_s: number;
  /** Metrics handled per CPU second. */
  metrics_per_s: number;
  max_rss_mb: number;
}

/** A deterministic metric: a level, a daily cycle and noise; every 100th metric jumps at the new point. */
function value(metric: number, point: number, isNew: boolean): number {
  let s = (metric * 7919 + point * 104729) % 2147483647 || 1;
  for (let i = 0; i < 3; i++) s = (s * 16807) % 2147483647;
  const noise = s / 2147483647;
  const level = 100 + (metric % 50) * 10;
  const base = level + 0.1 * level * Math.sin((2 * Math.PI * point) / 144) + noise * 0.05 * level;
  return isNew && metric % 100 === 0 ? base * 3 : base;
}

function writeCsv(file: string, from: number, to: number): void {
  const fd = fs.openSync(file, "w");
  fs.writeSync(fd, "metric_timestamp,metric_name,metric_value\n");
  for (let p = from; p < to; p++) {
    const ts = new Date(HISTORY_END - (nPoints - 1 - p) * CADENCE_MS).toISOString();
    const lines: string[] = [];
    for (let m = 0; m < nMetrics; m++) lines.push(`${ts},m${String(m).padStart(6, "0")},${value(m, p, p >= nPoints).toFixed(4)}`);
    fs.writeSync(fd, `${lines.join("\n")}\n`);
  }
  fs.closeSync(fd);
}

function setUp(dir: string) {
  const metricsDir = path.join(dir, "metrics");
  fs.cpSync(path.join(CLI_REPO, "metrics", "defaults"), path.join(metricsDir, "defaults"), { recursive: true });
  const csv = path.join(dir, "incoming.csv");
  fs.mkdirSync(path.join(metricsDir, BATCH));
  // The CSV is the source's drop file: the whole history at the cold start, then one new point per metric.
  fs.writeFileSync(
    path.join(metricsDir, BATCH, `${BATCH}.yaml`),
    [
      `metric_batch: ${BATCH}`,
      `description: bench:scale, ${nMetrics} metrics every 10 minutes`,
      `ingest_sql: >`,
      `  select metric_timestamp, metric_name, metric_value`,
      `  from read_csv('${csv}', columns = {'metric_timestamp': 'TIMESTAMP', 'metric_name': 'VARCHAR', 'metric_value': 'DOUBLE'}, header = true)`,
      `ingest_cron_schedule: "*/10 * * * *"`,
      `alert_methods: ""`,
      ...(shardSize === undefined ? [] : [`shard_size: ${shardSize}`]),
      "",
    ].join("\n"),
  );
  // The small folder of `anomstack list`: the defaults and one batch.
  const smallDir = path.join(dir, "small");
  fs.cpSync(path.join(CLI_REPO, "metrics", "defaults"), path.join(smallDir, "defaults"), { recursive: true });
  fs.mkdirSync(path.join(smallDir, "one"));
  fs.writeFileSync(
    path.join(smallDir, "one", "one.yaml"),
    "metric_batch: one\ningest_sql: select now() as metric_timestamp, 'x' as metric_name, 1 as metric_value\n",
  );
  return { metricsDir, smallDir, csv, duckdb: path.join(dir, "data", "bench.duckdb"), models: path.join(dir, "models") };
}

function runCli(cliArgs: string[], env: Record<string, string>, label: string, dir: string, profileName = label): JobRun {
  const usageFile = path.join(dir, `rusage-${process.pid}.json`);
  fs.rmSync(usageFile, { force: true });
  const nodeArgs = ["--import", path.join(REPO, "scripts/bench/rusage.mjs")];
  if (args.profile) {
    fs.mkdirSync(args.profile, { recursive: true });
    nodeArgs.push("--cpu-prof", "--cpu-prof-dir", path.resolve(args.profile), "--cpu-prof-name", `${profileName.replace(/\W+/g, "-")}.cpuprofile`);
  }
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...nodeArgs, path.join(CLI_REPO, "scripts/anomstack.mjs"), ...cliArgs], {
    cwd: dir,
    env: { ...process.env, ...env, ANOMSTACK_BENCH_RUSAGE: usageFile, ANOMSTACK_LOG_LEVEL: "warn" },
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0)
    throw new Error(`anomstack ${cliArgs.join(" ")} failed (exit ${r.status}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-4000)}`);
  const u = JSON.parse(fs.readFileSync(usageFile, "utf8")) as { user_us: number; sys_us: number; max_rss_kb: number };
  const output = r.stdout
    .split("\n")
    .filter((l) => l.startsWith(`${BATCH} `) || l.startsWith("metrics folder"))
    .join("\n");
  return { job: label, wall_s: wall, cpu_s: (u.user_us + u.sys_us) / 1e6, max_rss_mb: u.max_rss_kb / 1024, output };
}

function phase(name: string, jobs: JobRun[], metrics: number): Phase {
  const cpu = jobs.reduce((a, j) => a + j.cpu_s, 0);
  return {
    phase: name,
    jobs,
    wall_s: jobs.reduce((a, j) => a + j.wall_s, 0),
    cpu_s: cpu,
    metrics_per_s: metrics / cpu,
    max_rss_mb: Math.max(...jobs.map((j) => j.max_rss_mb)),
  };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-scale-"));
const ws = setUp(dir);
const env = { ANOMSTACK_METRICS_DIR: ws.metricsDir, ANOMSTACK_DUCKDB_PATH: ws.duckdb, ANOMSTACK_MODEL_PATH: `local://${ws.models}` };
const at = (ms: number) => new Date(ms).toISOString();
const job = (j: string, now: number, phaseName: string) =>
  runCli(["run", "--batch", BATCH, "--jobs", j, "--now", at(now)], env, j, dir, `${phaseName}-${j}`);
const phases: Phase[] = [];
try {
  writeCsv(ws.csv, 0, nPoints);
  // The first train finds no scores, so it trains on everything; the score then scores the newest score_max_n points.
  phases.push(
    phase("cold start", [job("ingest", HISTORY_END, "cold"), job("train", HISTORY_END, "cold"), job("score", HISTORY_END, "cold")], nMetrics),
  );
  const next = HISTORY_END + CADENCE_MS;
  writeCsv(ws.csv, nPoints, nPoints + 1);
  phases.push(
    phase(
      "live cycle",
      ["ingest", "score", "alert", "change"].map((j) => job(j, next, "live")),
      nMetrics,
    ),
  );
  phases.push(phase("retrain", [job("train", next, "retrain")], nMetrics));
  phases.push(phase("list (small folder)", [runCli(["list"], { ANOMSTACK_METRICS_DIR: ws.smallDir }, "list", dir)], 1));
} finally {
  if (!args.keep) fs.rmSync(dir, { recursive: true, force: true });
}

const result = {
  metrics: nMetrics,
  points: nPoints,
  rows: nMetrics * nPoints,
  shard_size: shardSize ?? null,
  repo: CLI_REPO,
  node: process.version,
  cpus: os.cpus().length,
  load_average: os.loadavg()[0],
  phases,
  targets: { "live cycle": 15, retrain: 30, "cold start": 60, "list (small folder)": 0.5, max_rss_mb: 1024, at_metrics: 10_000 },
  ...(args.keep ? { dir } : {}),
};
if (args.json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const f = (x: number, d = 1) => x.toFixed(d);
  const lines = [
    `bench:scale: ${nMetrics.toLocaleString("en-US")} metrics × ${nPoints} points (${(nMetrics * nPoints).toLocaleString("en-US")} rows)${shardSize ? `, shard_size ${shardSize}` : ""}, ${process.version}, load ${f(os.loadavg()[0])}`,
    `${"phase / job".padEnd(22)} ${"wall s".padStart(8)} ${"CPU s".padStart(8)} ${"metrics/s".padStart(10)} ${"peak RSS MB".padStart(12)}`,
  ];
  for (const p of phases) {
    lines.push(
      `${p.phase.padEnd(22)} ${f(p.wall_s, 2).padStart(8)} ${f(p.cpu_s, 2).padStart(8)} ${f(p.metrics_per_s, 0).padStart(10)} ${f(p.max_rss_mb, 0).padStart(12)}`,
    );
    if (p.jobs.length > 1) {
      for (const j of p.jobs)
        lines.push(
          `  ${j.job.padEnd(20)} ${f(j.wall_s, 2).padStart(8)} ${f(j.cpu_s, 2).padStart(8)} ${"".padStart(10)} ${f(j.max_rss_mb, 0).padStart(12)}`,
        );
    }
  }
  lines.push("targets at 10,000 metrics × 300 points (CPU s): live cycle ≤ 15, retrain ≤ 30, cold start ≤ 60, list ≤ 0.5; peak RSS ≤ 1024 MB");
  process.stdout.write(`${lines.join("\n")}\n`);
}
