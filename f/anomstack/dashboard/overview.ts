// The dashboard's home page data: one card per batch over the window, highest anomaly rate first.
// A card: metrics, anomaly rate, average score, alerts, newest point, stale marker.
//nobundling
import { isStale } from "../config/index.ts";
import { dashboardScope, withBatchStore, type DashboardOptions } from "./dashboard-context.ts";
import { byAnomalyRate, latestPoint, queryDashboardColumns, toSeries } from "./metric-series.ts";
import type { BatchCard, Overview } from "./types.ts";
import { parseWindow } from "./window.ts";

/** Every batch's card for the home page. */
export async function loadOverview(opts: DashboardOptions & { window?: string } = {}): Promise<Overview> {
  const scope = dashboardScope(opts);
  const window = parseWindow(opts.window, scope.now);
  const cards: BatchCard[] = [];
  for (const cfg of scope.batches.values()) {
    cards.push(
      await batchCard(cfg.metric_batch, () =>
        withBatchStore(scope, cfg, async (store) => {
          const latest = store ? await latestPoint(store, cfg, scope.now) : null;
          const series = store && latest ? toSeries(await queryDashboardColumns(store, cfg, window, scope.now)) : [];
          const alerts = { anomaly: 0, change: 0, tholdalert: 0, llmalert: 0, total: 0 };
          let points = 0;
          let flagged = 0;
          let scoreSum = 0;
          let scored = 0;
          for (const s of series) {
            points += s.stats.points;
            flagged += Math.round(s.stats.anomalyRate * s.stats.points);
            for (const v of s.score) {
              if (v !== null) {
                scoreSum += v;
                scored++;
              }
            }
            alerts.anomaly += s.stats.alerts.anomaly;
            alerts.change += s.stats.alerts.change;
            alerts.tholdalert += s.stats.alerts.tholdalert;
            alerts.llmalert += s.stats.alerts.llmalert;
          }
          alerts.total = alerts.anomaly + alerts.change + alerts.tholdalert + alerts.llmalert;
          return {
            batch: cfg.metric_batch,
            metrics: series.length,
            points,
            anomalyRate: points ? flagged / points : 0,
            avgScore: scored ? scoreSum / scored : 0,
            alerts,
            latest: latest ? latest.toISOString() : null,
            stale: isStale(cfg, latest, scope.now),
          };
        }),
      ),
    );
  }
  cards.sort((a, b) => byAnomalyRate({ ...a, name: a.batch }, { ...b, name: b.batch }));
  return {
    window: window.spec,
    now: scope.now.toISOString(),
    store: scope.duckdbPath,
    batches: cards,
    hidden: scope.hidden,
    empty: cards.every((c) => c.latest === null),
  };
}

/** A batch whose store cannot be read (a database down, bad credentials) gets a card saying why; the others still show. */
async function batchCard(batch: string, read: () => Promise<BatchCard>): Promise<BatchCard> {
  try {
    return await read();
  } catch (e) {
    return {
      batch,
      metrics: 0,
      points: 0,
      anomalyRate: 0,
      avgScore: 0,
      alerts: { anomaly: 0, change: 0, tholdalert: 0, llmalert: 0, total: 0 },
      latest: null,
      stale: false,
      error: (e as Error).message,
    };
  }
}
