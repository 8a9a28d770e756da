// The dashboard's batch page data: every metric of one batch over the window, as chart-ready series.
// Metrics are ordered by anomaly rate (highest first).
//nobundling
import { dashboardBatch, dashboardScope, withBatchStore, type DashboardOptions } from "./dashboard-context.ts";
import { isStale } from "../config/index.ts";
import { byAnomalyRate, latestPoint, queryDashboardColumns, toSeries } from "./metric-series.ts";
import type { BatchView } from "./types.ts";
import { parseWindow } from "./window.ts";

/** One batch's series. @throws DashboardInputError for an unknown batch or an invalid window. */
export async function loadBatchView(batch: string, opts: DashboardOptions & { window?: string } = {}): Promise<BatchView> {
  const scope = dashboardScope(opts);
  const cfg = dashboardBatch(scope, batch);
  const window = parseWindow(opts.window, scope.now);
  return withBatchStore(scope, cfg, async (store) => {
    const latest = store ? await latestPoint(store, cfg, scope.now) : null;
    const metrics = store && latest ? toSeries(await queryDashboardColumns(store, cfg, window, scope.now)) : [];
    metrics.sort((a, b) => byAnomalyRate({ ...a.stats, name: a.name }, { ...b.stats, name: b.name }));
    return {
      batch: cfg.metric_batch,
      window: window.spec,
      now: scope.now.toISOString(),
      latest: latest ? latest.toISOString() : null,
      stale: isStale(cfg, latest, scope.now),
      metrics,
      batches: [...scope.batches.keys()],
    };
  });
}
