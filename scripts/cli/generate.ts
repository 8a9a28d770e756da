// `anomstack generate` (npm run generate): write the Windmill workspace files generated from metrics/.
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { runGenerate } from "../generate/main.ts";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function generateCommand(program: Command): void {
  program
    .command("generate")
    .description("write the Windmill flows, schedules, triggers, metrics bundle and script metadata generated from metrics/")
    .option("--check", "write nothing; list stale generated files and exit 1 if there are any")
    .action((opts: { check?: boolean }) => {
      const metricsDir = process.env.ANOMSTACK_METRICS_DIR;
      process.exitCode = runGenerate({ root: REPO_ROOT, metricsDir, env: process.env, check: opts.check });
    });
}
