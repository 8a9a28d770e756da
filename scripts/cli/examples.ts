// `anomstack examples`: the example batches (under <metrics>/examples), one line each: name, whether it is
// on, where its metrics come from, and what it needs to run.
import path from "node:path";
import type { Command } from "commander";
import { loadConfig } from "../../f/anomstack/config/index.ts";
import { needsLine, needsOf } from "./needs.ts";
import { columns } from "./output.ts";

export interface ExampleLine {
  batch: string;
  /** Folder under examples/. */
  folder: string;
  on: boolean;
  source: string;
  needs: string;
  /** For a batch that is off: the variable that switches it on. */
  enable_with?: string;
}

/** The examples of the metrics folder (batches whose YAML lies under examples/), sorted by name. */
export function listExamples(): { metricsDir: string; examples: ExampleLine[] } {
  const { metricsDir, batches, disabledBatches } = loadConfig();
  const root = path.join(metricsDir, "examples") + path.sep;
  const folder = (file: string) => path.relative(root, path.dirname(file)).split(path.sep).join("/");
  const out: ExampleLine[] = [];
  for (const cfg of batches.values()) {
    if (!cfg.source_file.startsWith(root)) continue;
    const source = cfg.description ?? (cfg.ingest_fn ? `ingest_fn ${cfg.ingest_fn}` : `SQL on ${cfg.db}`);
    out.push({ batch: cfg.metric_batch, folder: folder(cfg.source_file), on: true, source, needs: needsLine(needsOf(cfg)) });
  }
  for (const d of disabledBatches) {
    if (!d.file.startsWith(root)) continue;
    out.push({ batch: d.name, folder: folder(d.file), on: false, source: d.description ?? "", needs: needsLine(d), enable_with: d.enableWith });
  }
  out.sort((a, b) => (a.batch < b.batch ? -1 : a.batch > b.batch ? 1 : 0));
  return { metricsDir, examples: out };
}

export function examplesCommand(program: Command): void {
  program
    .command("examples")
    .description("list the example batches: name, on or off, where the metrics come from, what each needs")
    .option("--json", "print JSON instead of a table")
    .action((opts: { json?: boolean }) => {
      const { metricsDir, examples } = listExamples();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ metrics_dir: metricsDir, examples }, null, 2)}\n`);
        return;
      }
      const name = (e: ExampleLine) => (e.folder === e.batch ? e.batch : `${e.batch} (${e.folder}/)`);
      process.stdout.write(
        `${columns(
          ["example", "on", "source", "needs"],
          examples.map((e) => [name(e), e.on ? "on" : "off", e.source, e.needs]),
        )}\n`,
      );
      const off = examples.filter((e) => !e.on).length;
      process.stdout.write(
        `${examples.length} example(s), ${off} off. Switch one on with ANOMSTACK__<BATCH>__DISABLE_BATCH=false; ` +
          "try one without storing anything: anomstack run --batch <name> --dry-run\n",
      );
    });
}
