// A batch page: search (a case-insensitive regular expression over metric names), sort, chart size,
// and either one chart per metric or the anomaly list with feedback buttons.
import type React from "react";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { api, batchKey, errorText, takeEarly, type BatchView, type FeedbackKind, type MetricSeries } from "./api";
import { AnomalyList, anomalyRows, type AnomalyRow } from "./AnomalyList";
import { pct, timeAgo } from "./format";
import { MARKER_LABELS, MetricChart, type MarkerKind } from "./MetricChart";
import type { ChartSize, Settings, SortKey } from "./settings";
import { PALETTES, type Palette } from "./theme";
import { useBackend } from "./useBackend";

/** Charts rendered at first; more on request. */
export const PAGE_CHARTS = 60;
/** Charts drawn per task after the visible ones, so the page answers input while the rest appear. */
const DRAW_STEP = 6;
const GAP = 14;
const CARD_PAD = 12;

export function sortMetrics(metrics: readonly MetricSeries[], key: SortKey): MetricSeries[] {
  const out = [...metrics]; // the backend's order is by anomaly rate
  if (key === "score") out.sort((a, b) => b.stats.avgScore - a.stats.avgScore || (a.name < b.name ? -1 : 1));
  else if (key === "name") out.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  return out;
}

/** Filter by a case-insensitive regular expression; `error` when the pattern is not one. */
export function searchMetrics(metrics: readonly MetricSeries[], pattern: string): { metrics: readonly MetricSeries[]; error?: string } {
  if (pattern.trim() === "") return { metrics };
  let re: RegExp;
  try {
    re = new RegExp(pattern, "i");
  } catch (e) {
    return { metrics: [], error: (e as Error).message.replace(/^Invalid regular expression: /, "") };
  }
  return { metrics: metrics.filter((m) => re.test(m.name)) };
}

function Legend({ palette }: { palette: Palette }): React.JSX.Element {
  const kinds: MarkerKind[] = ["alert", "llmalert", "change", "tholdalert"];
  return (
    <span className="legend">
      <span className="legend-item">
        <i className="swatch line" style={{ background: palette.primary }} />
        value
      </span>
      <span className="legend-item">
        <i className="swatch dashed" style={{ borderColor: palette.score }} />
        score
      </span>
      {kinds.map((k) => (
        <span className="legend-item" key={k}>
          <i className={`marker ${k}`} style={{ background: palette[k] }} />
          {MARKER_LABELS[k].replace(" alert", "")}
        </span>
      ))}
    </span>
  );
}

function ChartGrid({ metrics, size, palette }: { metrics: readonly MetricSeries[]; size: ChartSize; palette: Palette }): React.JSX.Element {
  const grid = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [top, setTop] = useState(0);
  const [limit, setLimit] = useState(PAGE_CHARTS);
  useLayoutEffect(() => {
    const el = grid.current;
    if (!el) return;
    setWidth(el.clientWidth);
    setTop(el.getBoundingClientRect().top);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const cols = size === "large" ? 1 : Math.min(3, Math.max(1, Math.floor((width + GAP) / (440 + GAP))));
  const chartW = width > 0 ? Math.floor((width - GAP * (cols - 1)) / cols) - 2 * CARD_PAD - 2 : 0;
  const height = size === "large" ? 320 : 170;
  const shown = metrics.slice(0, limit);
  // Draw the charts in view at once, then the others a few per task.
  const [drawn, setDrawn] = useState(0);
  const firstScreen = cols * Math.max(1, Math.ceil((window.innerHeight - top) / (height + 50)));
  const budget = Math.max(drawn, firstScreen);
  useEffect(() => {
    if (width <= 0 || budget >= shown.length) return;
    const t = setTimeout(() => setDrawn(budget + DRAW_STEP), 0);
    return () => clearTimeout(t);
  }, [width, budget, shown.length]);
  return (
    <>
      <div
        className="grid"
        ref={grid}
        style={{ gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))`, gap: GAP }}
        data-ready={width > 0 ? "yes" : "no"}
        data-complete={width > 0 && budget >= shown.length ? "yes" : "no"}
      >
        {shown.map((m, i) => (
          <section className="card chart-card" key={m.name} data-metric={m.name}>
            <header className="chart-head">
              <h3 title={m.name}>{m.name}</h3>
              <span className="chart-stats">
                <span className={m.stats.anomalyRate > 0 ? "sev-some" : undefined}>anomaly rate {pct(m.stats.anomalyRate)}</span>
                <span>avg score {pct(m.stats.avgScore)}</span>
              </span>
            </header>
            <MetricChart series={m} width={chartW} height={height} palette={palette} active={i < budget} />
          </section>
        ))}
      </div>
      {metrics.length > shown.length && (
        <div className="more">
          <button type="button" className="btn" onClick={() => setLimit(limit + PAGE_CHARTS)}>
            Show {Math.min(PAGE_CHARTS, metrics.length - shown.length)} more of {metrics.length - shown.length}
          </button>
        </div>
      )}
    </>
  );
}

export interface BatchPageProps {
  batch: string;
  view: "charts" | "anomalies";
  settings: Settings;
  update: (s: Partial<Settings>) => void;
  refreshKey: number;
}

export function BatchPage({ batch, view, settings, update, refreshKey }: BatchPageProps): React.JSX.Element {
  const { data, error, loading } = useBackend(
    () => takeEarly<BatchView>(batchKey(batch, settings.window)) ?? api.batch({ batch, window: settings.window }),
    [batch, settings.window, refreshKey],
  );
  const [search, setSearch] = useState("");
  const [query, setQuery] = useState("");
  useEffect(() => {
    const t = setTimeout(() => setQuery(search), 120);
    return () => clearTimeout(t);
  }, [search]);
  const [given, setGiven] = useState<ReadonlyMap<string, FeedbackKind>>(new Map());
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());
  const [feedbackError, setFeedbackError] = useState<string>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: the feedback given on a page is reset whenever another batch or window is loaded
  useEffect(() => {
    setGiven(new Map());
    setFeedbackError(undefined);
  }, [batch, data]);

  const palette = PALETTES[settings.theme];
  const found = useMemo(() => searchMetrics(data?.metrics ?? [], query), [data, query]);
  const metrics = useMemo(() => sortMetrics(found.metrics, settings.sort), [found, settings.sort]);
  const anomalyCount = useMemo(() => anomalyRows(metrics).length, [metrics]);

  const feedbackOf = useCallback((r: AnomalyRow) => given.get(r.key) ?? r.series.feedback[r.i], [given]);
  const onFeedback = useCallback(
    (r: AnomalyRow, kind: FeedbackKind) => {
      setPending((p) => new Set(p).add(r.key));
      setFeedbackError(undefined);
      api
        .feedback({ batch, metric: r.series.name, timestamp: new Date(r.t).toISOString(), kind })
        .then(
          () => setGiven((g) => new Map(g).set(r.key, kind)),
          (e: unknown) => setFeedbackError(`Feedback not saved: ${errorText(e)}`),
        )
        .finally(() =>
          setPending((p) => {
            const n = new Set(p);
            n.delete(r.key);
            return n;
          }),
        );
    },
    [batch],
  );

  const state = loading ? "loading" : error ? "error" : "ready";
  const base = `#/batch/${encodeURIComponent(batch)}`;
  return (
    <main className="page" data-page="batch" data-batch={batch} data-view={view} data-state={state}>
      <div className="page-head">
        <h1>
          <a href="#/" className="crumb">
            Batches
          </a>
          <span className="crumb-sep">/</span>
          <select
            className="batch-select"
            aria-label="Batch"
            value={batch}
            onChange={(e) => {
              window.location.hash = `#/batch/${encodeURIComponent(e.target.value)}${view === "anomalies" ? "/anomalies" : ""}`;
            }}
          >
            {(data?.batches ?? [batch]).map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </h1>
        {data && (
          <span className="muted" data-testid="batch-status">
            {found.error ? data.metrics.length : metrics.length} of {data.metrics.length} metrics · window {data.window}
            {data.latest ? ` · newest point ${timeAgo(data.latest, data.now)}` : ""}
            {data.stale && (
              <span className="badge warn" title="No new point for more than three ingest periods">
                stale
              </span>
            )}
          </span>
        )}
      </div>

      <div className="toolbar panel">
        <input
          type="search"
          className="search"
          placeholder="Search metrics (regular expression)"
          aria-label="Search metrics"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <label className="control">
          Sort
          <select aria-label="Sort" value={settings.sort} onChange={(e) => update({ sort: e.target.value as SortKey })}>
            <option value="anomaly">anomaly rate</option>
            <option value="score">avg score</option>
            <option value="name">name</option>
          </select>
        </label>
        <fieldset className="segmented" aria-label="Chart size">
          {(["small", "large"] as ChartSize[]).map((s) => (
            <button
              key={s}
              type="button"
              className={settings.size === s ? "active" : ""}
              aria-pressed={settings.size === s}
              onClick={() => update({ size: s })}
            >
              {s}
            </button>
          ))}
        </fieldset>
        <span className="tabs" role="tablist">
          <a role="tab" aria-selected={view === "charts"} className={view === "charts" ? "active" : ""} href={base}>
            Charts
          </a>
          <a role="tab" aria-selected={view === "anomalies"} className={view === "anomalies" ? "active" : ""} href={`${base}/anomalies`}>
            Anomalies{data ? ` (${anomalyCount})` : ""}
          </a>
        </span>
      </div>

      {error && (
        <div className="panel error" role="alert">
          {error}
        </div>
      )}
      {feedbackError && (
        <div className="panel error" role="alert" data-testid="feedback-error">
          {feedbackError}
        </div>
      )}
      {!data && loading && <div className="panel loading">Loading {batch}…</div>}
      {data && found.error && (
        <div className="panel warn" role="status" data-testid="search-error">
          Invalid search pattern: {found.error}
        </div>
      )}
      {data && !found.error && data.metrics.length === 0 && (
        <div className="panel empty" data-testid="no-metrics">
          {data.latest ? (
            <>
              <h2>Nothing in this window</h2>
              <p>
                No metric of {batch} has points in the window {data.window}. Try a longer one, such as 7d or 500n.
              </p>
            </>
          ) : (
            <>
              <h2>No data for {batch} yet</h2>
              <p>
                Run <code>npx anomstack run --batch {batch}</code> (or <code>npm start</code> for the demo batches), then refresh.
              </p>
            </>
          )}
        </div>
      )}
      {data && !found.error && data.metrics.length > 0 && metrics.length === 0 && (
        <div className="panel empty" data-testid="no-match">
          No metric name matches <code>{query}</code>.
        </div>
      )}
      {data && !found.error && metrics.length > 0 && view === "charts" && (
        <>
          <div className="legend-row">
            <Legend palette={palette} />
          </div>
          <ChartGrid key={`${settings.theme}`} metrics={metrics} size={settings.size} palette={palette} />
        </>
      )}
      {data && !found.error && metrics.length > 0 && view === "anomalies" && (
        <AnomalyList metrics={metrics} palette={palette} feedbackOf={feedbackOf} pending={pending} onFeedback={onFeedback} />
      )}
    </main>
  );
}
