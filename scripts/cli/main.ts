// The `anomstack` CLI: list, examples, config, run, backfill, replay, alerts and demo, over the same jobs the Windmill
// stage scripts run. The only place that reads the clock (`--now` overrides it).
import fs from "node:fs";
import { Command } from "commander";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { listCommand } from "./list.ts";
import { examplesCommand } from "./examples.ts";
import { configCommand } from "./config.ts";
import { runCommand } from "./run.ts";
import { backfillCommand } from "./backfill.ts";
import { replayCommand } from "./replay.ts";
import { demoCommand } from "./demo.ts";
import { evalCommand } from "./eval.ts";
import { summaryCommand } from "./summary.ts";
import { generateCommand } from "./generate.ts";
import { dashboardCommand } from "./dashboard.ts";
import { alertsCommand } from "./alerts.ts";

// Local settings may live in a .env file (the same variables a Windmill settings resource holds).
if (fs.existsSync(".env") && typeof process.loadEnvFile === "function") process.loadEnvFile(".env");

const program = new Command("anomstack")
  .description("Anomaly detection for metric batches described in YAML (metrics/**.yaml)")
  .option("--metrics-dir <dir>", "folder of metric batch YAML (default: $ANOMSTACK_METRICS_DIR or ./metrics)")
  .option("--duckdb-path <file>", "DuckDB file of the metrics table (default: $ANOMSTACK_DUCKDB_PATH or ./data/anomstack.duckdb)")
  .option("-v, --verbose", "log every job step (default: warnings and errors; or set $ANOMSTACK_LOG_LEVEL)")
  .hook("preAction", (cmd) => {
    const o = cmd.opts<{ metricsDir?: string; duckdbPath?: string; verbose?: boolean }>();
    if (o.metricsDir) process.env.ANOMSTACK_METRICS_DIR = o.metricsDir;
    if (o.duckdbPath) process.env.ANOMSTACK_DUCKDB_PATH = o.duckdbPath;
    // The commands print their own summaries; job logs add detail on request.
    if (o.verbose) process.env.ANOMSTACK_LOG_LEVEL = "debug";
    else process.env.ANOMSTACK_LOG_LEVEL ??= "warn";
  });

listCommand(program);
examplesCommand(program);
configCommand(program);
runCommand(program);
backfillCommand(program);
replayCommand(program);
alertsCommand(program);
demoCommand(program);
evalCommand(program);
summaryCommand(program);
generateCommand(program);
dashboardCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await closeAllDuckdbInstances();
}
