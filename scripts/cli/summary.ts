// `anomstack summary`: build the daily summary of every batch and send it through the configured
// channels (email, Slack; see docs/alerts.md), as the Windmill summary script does.
import type { Command } from "commander";
import { runSummary } from "../../f/anomstack/stages/notices.ts";
import { parseNow } from "../../f/anomstack/core/time.ts";

export function summaryCommand(program: Command): void {
  program
    .command("summary")
    .description("send the daily summary of every batch (values, scores, alerts, most anomalous metrics) by email and Slack")
    .option("--now <iso>", "timestamp to treat as now (default: the current time)")
    .action(async (opts: { now?: string }) => {
      const r = await runSummary({ now: parseNow(opts.now) });
      const sent = r.sent.map((s) => `${s.channel} (${s.to})`).join(", ") || "no channel configured: printed above only";
      process.stdout.write(`summary of ${r.batches.length} batch(es) sent to ${sent}\n`);
      if (r.delivery_failures.length || r.failed.length) process.exitCode = 1;
    });
}
