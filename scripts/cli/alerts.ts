// `anomstack alerts [--batch B] [--since 24h]`: the stored alerts of every kind (anomaly, change,
// threshold, LLM) with their delivery state, so a user sees what fired without querying the store.
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { JOB_TABLE, loadConfig, type AlertKind } from "../../f/anomstack/config/index.ts";
import type { Env } from "../../f/anomstack/core/env.ts";
import { parseNow } from "../../f/anomstack/core/time.ts";
import { withJobContext } from "../../f/anomstack/stages/run-stage.ts";
import { readAlertRows, readPointValues } from "../../f/anomstack/store/alert-rows.ts";
import { openOutbox, type OutboxRecord } from "../../f/anomstack/store/outbox.ts";
import { fmt, fmtTime, table } from "./output.ts";

/** One stored alert as listed. */
export interface ListedAlert {
  time: string;
  batch: string;
  metric: string;
  kind: AlertKind;
  score: number | null;
  value: number | null;
  /** Per channel and destination: its state, e.g. "email ops@example.com: sent". */
  deliveries: string[];
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: 45m, 24h, 7d. */
export function parseSince(v: string): number {
  const m = /^(\d{1,6})([mhd])$/.exec(v.trim());
  if (!m || Number(m[1]) < 1) throw new InvalidArgumentError("expected a span such as 45m, 24h or 7d");
  return Number(m[1]) * UNIT_MS[m[2]];
}

function numberOf(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function describeDelivery(r: OutboxRecord): string {
  const to = r.to ? ` ${r.to}` : "";
  const tries = r.attempts > 1 ? `, ${r.attempts} attempts` : "";
  const why = r.status !== "sent" && r.error ? ` (${r.error})` : "";
  return `${r.channel}${to}: ${r.status}${tries}${why}`;
}

/** The batch's alerts of every kind from `since` to `now`, oldest first. */
export async function listAlerts(batch: string, since: Date, now: Date, env: Env = process.env): Promise<ListedAlert[]> {
  return withJobContext(batch, { now, channels: [], env }, async (ctx) => {
    const outbox = await openOutbox(ctx.store);
    const records = new Map<string, OutboxRecord[]>();
    for (const r of await outbox.all(batch)) {
      const key = `${r.type}\u0001${r.metric}\u0001${r.timestamp}`;
      records.set(key, [...(records.get(key) ?? []), r]);
    }
    // the point's stored value and score, for alerts whose row holds no message (a replay's)
    const points = await readPointValues(ctx.store, batch, since.getTime(), now.getTime());
    const out: ListedAlert[] = [];
    for (const job of JOB_TABLE) {
      if (!("alertKind" in job)) continue;
      for (const row of await readAlertRows(ctx.store, batch, job.name, since.getTime(), now.getTime())) {
        let meta: Record<string, unknown> = {};
        try {
          meta = row.metadata ? JSON.parse(row.metadata) : {};
        } catch {
          // a flag row with hand-written metadata is still listed
        }
        const alert = (meta.alert ?? {}) as { score?: unknown; value?: unknown };
        const ts = row.metric_timestamp.getTime();
        const point = points.get(`${row.metric_name}\u0001${ts}`) ?? {};
        const recs = records.get(`${job.name}\u0001${row.metric_name}\u0001${ts}`) ?? [];
        out.push({
          time: row.metric_timestamp.toISOString(),
          batch,
          metric: row.metric_name,
          kind: job.alertKind,
          score: numberOf(alert.score) ?? numberOf(meta.score_smooth) ?? numberOf(point.score),
          value: numberOf(alert.value) ?? numberOf(point.value),
          deliveries: recs.length ? recs.map(describeDelivery) : ["none (history written by replay, or no alert method)"],
        });
      }
    }
    return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.metric < b.metric ? -1 : 1));
  });
}

export function alertsCommand(program: Command): void {
  program
    .command("alerts")
    .description("list the stored alerts of every kind (anomaly, change, threshold, LLM) and their delivery state")
    .option("-b, --batch <name...>", "batch(es) to list (default: every enabled batch)")
    .option("--since <span>", "how far back: 45m, 24h, 7d", parseSince, 86_400_000)
    .option("--now <iso>", "end of the span (default: now)")
    .option("--json", "print JSON instead of a table")
    .action(async (opts: { batch?: string[]; since: number; now?: string; json?: boolean }) => {
      const now = parseNow(opts.now);
      const batches = opts.batch ?? [...loadConfig({ skipBroken: true }).batches.keys()];
      const alerts: ListedAlert[] = [];
      for (const b of batches) alerts.push(...(await listAlerts(b, new Date(now.getTime() - opts.since), now)));
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ since: new Date(now.getTime() - opts.since).toISOString(), now: now.toISOString(), alerts }, null, 2)}\n`,
        );
        return;
      }
      if (alerts.length === 0) {
        process.stdout.write(`no alerts since ${fmtTime(now.getTime() - opts.since)} UTC\n`);
        return;
      }
      process.stdout.write(
        `${table(
          ["time (UTC)", "batch", "metric", "kind", "score", "value", "delivery"],
          alerts.map((a) => [fmtTime(a.time), a.batch, a.metric, a.kind, fmt(a.score), fmt(a.value), a.deliveries.join("\n")]),
        )}\n`,
      );
    });
}
