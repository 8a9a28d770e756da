// `anomstack config --batch B`: the fully resolved config of one batch as JSON (overrides applied).
import type { Command } from "commander";
import { loadBatch } from "../../f/anomstack/config/index.ts";

export function configCommand(program: Command): void {
  program
    .command("config")
    .description("print the fully resolved config of one batch as JSON (defaults, YAML and env overrides applied)")
    .requiredOption("-b, --batch <name>", "metric batch")
    .action((opts: { batch: string }) => {
      process.stdout.write(`${JSON.stringify(loadBatch(opts.batch), null, 2)}\n`);
    });
}
