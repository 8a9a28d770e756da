// `anomstack demo` (what `npm start` runs): backfill and replay batches whose store is empty, run the
// whole pipeline once, and print the latest scores and the alerts found. Run again, it continues.
import type { Command } from "commander";
import { BATCH_JOBS, loadConfig, resolveDuckdbPath, type BatchConfig } from "../../f/anomstack/config/index.ts";
import { backfillJob } from "../../f/anomstack/jobs/backfill.ts";
import { replayJob } from "../../f/anomstack/jobs/replay.ts";
import { quoteTableKey } from "../../f/anomstack/store/metrics-store.ts";
import { withJobContext } from "../../f/anomstack/stages/run-stage.ts";
import { parseNow } from "../../f/anomstack/core/time.ts";
import { createLogger } from "../../f/anomstack/core/log.ts";
import { runPipeline } from "./run.ts";
import { fmt, fmtTime, positiveInt, progress, table } from "./output.ts";

/** Ingest periods a new demo batch is backfilled with. */
export const DEMO_PERIODS = 600;

interface LatestRow {
  metric_name: string;
  metric_timestamp: Date;
  metric_value: number;
  metric_score: number | null;
  alerts: number;
}

interface AlertRow {
  metric_timestamp: Date;
  metric_name: string;
  metric_type: string;
  metric_value: number | null;
}

export function demoCommand(program: Command): void {
  program
    .command("demo")
    .description("first run: backfill + replay the batches with no data; then run the pipeline and show scores and alerts")
    .option("-p, --periods <n>", "periods to backfill a batch with no data", positiveInt, DEMO_PERIODS)
    .option("--now <iso>", "timestamp to treat as now (default: the current time)")
    .action(async (opts: { periods: number; now?: string }) => {
      const started = performance.now();
      const now = parseNow(opts.now);
      const { batches } = loadConfig({ skipBroken: true });
      const quiet = createLogger({ level: "warn" });
      const say = (l: string) => process.stdout.write(`${l}\n`);
      say(`Anomstack demo: ${batches.size} batch(es), store ${resolveDuckdbPath()}, now ${now.toISOString()}`);
      for (const cfg of batches.values()) {
        await withJobContext(cfg.metric_batch, { cfg, now, log: quiet }, async (ctx) => {
          const table_ = quoteTableKey(cfg.table_key);
          const [{ n }] = await ctx.store.query<{ n: number }>(
            `select count(*) as n from ${table_} where metric_batch = ? and metric_type = 'metric'`,
            [cfg.metric_batch],
          );
          if (n > 0) return;
          say(`${cfg.metric_batch}: no data yet, backfilling ${opts.periods} periods and replaying them`);
          // History ends just before now, so the pipeline run below ingests the newest point itself.
          const before = { ...ctx, now: new Date(now.getTime() - 1000) };
          await backfillJob(before, { periods: opts.periods, onProgress: progress(`  backfill ${cfg.metric_batch}`) });
          const r = await replayJob(before, { onProgress: progress(`  replay ${cfg.metric_batch}`) });
          say(`  history: ${r.scored} scores, ${r.alerts} anomaly alerts, ${r.changes} changes, ${r.tholdalerts} threshold alerts`);
        });
      }
      say("\nPipeline run:");
      const outcome = await runPipeline([...batches.keys()], [...BATCH_JOBS], now, (l) => say(`  ${l}`));
      for (const cfg of batches.values()) await printBatch(cfg, now, say);
      say(`\nDone in ${fmt((performance.now() - started) / 1000, 1)} s. Run \`npm start\` again to continue from the stored state;`);
      say("`npx anomstack --help` lists the commands (list, config, run, backfill, replay).");
      say(`See it all in the dashboard: \`npx anomstack dashboard\`, then open http://127.0.0.1:${process.env.ANOMSTACK_DASHBOARD_PORT || 5003}/`);
      if (outcome.failures.length) process.exitCode = 1;
    });
}

async function printBatch(cfg: BatchConfig, now: Date, say: (l: string) => void): Promise<void> {
  await withJobContext(cfg.metric_batch, { cfg, now, log: createLogger({ level: "warn" }) }, async (ctx) => {
    const t = quoteTableKey(cfg.table_key);
    const latest = await ctx.store.query<LatestRow>(
      `with m as (
         select metric_name, metric_timestamp, avg(metric_value) as metric_value,
                row_number() over (partition by metric_name order by metric_timestamp desc) as rn
         from ${t} where metric_batch = ? and metric_type = 'metric' group by metric_name, metric_timestamp)
       select m.metric_name, m.metric_timestamp, m.metric_value,
              (select avg(s.metric_value) from ${t} s where s.metric_batch = ? and s.metric_type = 'score'
                 and s.metric_name = m.metric_name and s.metric_timestamp = m.metric_timestamp) as metric_score,
              (select count(*) from ${t} a where a.metric_batch = ? and a.metric_type in ('alert', 'change', 'tholdalert')
                 and a.metric_name = m.metric_name) as alerts
       from m where rn = 1 order by m.metric_name`,
      [cfg.metric_batch, cfg.metric_batch, cfg.metric_batch],
    );
    say(`\n${cfg.metric_batch}: latest scores`);
    say(
      table(
        ["metric", "timestamp (UTC)", "value", "score", "alerts stored"],
        latest.map((r) => [
          r.metric_name,
          fmtTime(r.metric_timestamp),
          fmt(r.metric_value),
          r.metric_score === null ? "-" : fmt(r.metric_score),
          r.alerts,
        ]),
      ),
    );
    const alerts = await ctx.store.query<AlertRow>(
      `select a.metric_timestamp, a.metric_name, a.metric_type,
              (select avg(v.metric_value) from ${t} v where v.metric_batch = a.metric_batch and v.metric_type = 'metric'
                 and v.metric_name = a.metric_name and v.metric_timestamp = a.metric_timestamp) as metric_value
       from ${t} a where a.metric_batch = ? and a.metric_type in ('alert', 'change', 'tholdalert')
       order by a.metric_timestamp desc, a.metric_name limit 12`,
      [cfg.metric_batch],
    );
    if (alerts.length === 0) {
      say(`${cfg.metric_batch}: no alerts yet`);
      return;
    }
    const kind: Record<string, string> = { alert: "🔥 anomaly", change: "Δ change", tholdalert: "⚠️ threshold" };
    say(`${cfg.metric_batch}: most recent alerts`);
    say(
      table(
        ["when (UTC)", "metric", "kind", "value"],
        alerts.map((a) => [fmtTime(a.metric_timestamp), a.metric_name, kind[a.metric_type] ?? a.metric_type, fmt(a.metric_value)]),
      ),
    );
  });
}
