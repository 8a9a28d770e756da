// `anomstack list`: every batch with its database, table, ingest source, enabled jobs and schedules; then
// every batch that is off, why, the variable that switches it on, and what it needs.
import type { Command } from "commander";
import { BATCH_JOBS, loadConfig, isJobEnabled, resolveDuckdbPath, jobSchedule } from "../../f/anomstack/config/index.ts";
import { needsLine, offBecause } from "./needs.ts";
import { columns, table } from "./output.ts";

export function listCommand(program: Command): void {
  program
    .command("list")
    .description("list the metric batches, their database, enabled jobs and schedules")
    .option("--json", "print JSON instead of a table")
    .action((opts: { json?: boolean }) => {
      const { metricsDir, batches, disabled, disabledBatches, broken } = loadConfig({ skipBroken: true });
      if (broken.length) process.exitCode = 1;
      const rows = [...batches.values()].map((cfg) => ({
        batch: cfg.metric_batch,
        db: cfg.db === "duckdb" ? `duckdb (${resolveDuckdbPath()})` : cfg.db,
        table: cfg.table_key,
        ingest: cfg.ingest_sql ? "ingest_sql" : `ingest_fn ${cfg.ingest_fn}`,
        jobs: BATCH_JOBS.filter((j) => isJobEnabled(cfg, j)),
        schedules: Object.fromEntries(BATCH_JOBS.map((j) => [j, jobSchedule(cfg, j)])),
      }));
      if (opts.json) {
        const off = disabledBatches.map((d) => ({
          batch: d.name,
          file: d.file,
          disabled_by: d.disabledBy,
          enable_with: d.enableWith,
          requires_env: d.requiresEnv,
          missing_env: d.missingEnv,
          requires_network: d.requiresNetwork,
        }));
        const brokenRows = broken.map((b) => ({ file: b.file, batch: b.batch ?? null, problems: b.error.issues.map((i) => i.message) }));
        process.stdout.write(
          `${JSON.stringify({ metrics_dir: metricsDir, batches: rows, disabled, disabled_batches: off, broken: brokenRows }, null, 2)}\n`,
        );
        return;
      }
      process.stdout.write(`metrics folder: ${metricsDir}\n`);
      process.stdout.write(
        `${table(
          ["batch", "db", "table", "ingest", "jobs enabled", "schedules (cron, status)"],
          rows.map((r) => [
            r.batch,
            r.db,
            r.table,
            r.ingest,
            r.jobs.join(", "),
            r.jobs.map((j) => `${j}: ${r.schedules[j].cron} ${r.schedules[j].status}`).join("\n"),
          ]),
        )}\n`,
      );
      if (disabledBatches.length) {
        process.stdout.write(`\n${disabledBatches.length} batch(es) off (not loaded, no flows generated):\n`);
        process.stdout.write(
          `${columns(
            ["batch", "switch on with", "off because", "needs"],
            disabledBatches.map((d) => [d.name, d.enableWith, offBecause(d, metricsDir), needsLine(d)]),
          )}\n`,
        );
      }
      for (const b of broken) process.stdout.write(`BROKEN ${b.batch ?? b.file} (not loaded):\n${b.error.message.replace(/^/gm, "  ")}\n`);
    });
}
