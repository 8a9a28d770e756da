// The home page: one card per batch, highest anomaly rate first, or how to get data on a first run.
import type React from "react";
import { api, overviewKey, takeEarly, type BatchCard, type Overview } from "./api";
import { pct, timeAgo } from "./format";
import { useBackend } from "./useBackend";

function severity(rate: number): string {
  return rate >= 0.05 ? "high" : rate > 0 ? "some" : "none";
}

function Card({ c, now }: { c: BatchCard; now: string }): React.JSX.Element {
  const a = c.alerts;
  return (
    <a className="card batch-card" href={`#/batch/${encodeURIComponent(c.batch)}`} data-batch={c.batch}>
      <div className="card-head">
        <h2>{c.batch}</h2>
        {c.stale && (
          <span className="badge warn" title="No new point for more than three ingest periods">
            stale
          </span>
        )}
        {c.error && (
          <span className="badge warn" data-stat="error" title={c.error}>
            unreadable
          </span>
        )}
      </div>
      {c.error && <p className="muted card-error">{c.error}</p>}
      <div className={`rate-bar ${severity(c.anomalyRate)}`} aria-hidden="true">
        <span style={{ width: `${Math.min(100, Math.max(c.anomalyRate > 0 ? 2 : 0, c.anomalyRate * 100 * 4))}%` }} />
      </div>
      <dl className="stats">
        <div>
          <dt>Metrics</dt>
          <dd data-stat="metrics">{c.metrics}</dd>
        </div>
        <div>
          <dt>Anomaly rate</dt>
          <dd data-stat="anomaly-rate" className={`sev-${severity(c.anomalyRate)}`}>
            {pct(c.anomalyRate)}
          </dd>
        </div>
        <div>
          <dt>Avg score</dt>
          <dd data-stat="avg-score">{pct(c.avgScore)}</dd>
        </div>
        <div>
          <dt>Alerts</dt>
          <dd data-stat="alerts" title={`${a.anomaly} anomaly, ${a.llmalert} LLM, ${a.change} change, ${a.tholdalert} threshold`}>
            {a.total}
          </dd>
        </div>
      </dl>
      <div className="card-foot">
        {c.latest ? <span data-stat="latest">Updated {timeAgo(c.latest, now)}</span> : <span className="muted">No data yet</span>}
        {a.total > 0 && (
          <span className="alert-kinds">
            {a.anomaly > 0 && <i className="dot alert" title="anomaly alerts" />}
            {a.llmalert > 0 && <i className="dot llmalert" title="LLM alerts" />}
            {a.change > 0 && <i className="dot change" title="changes" />}
            {a.tholdalert > 0 && <i className="dot tholdalert" title="threshold alerts" />}
          </span>
        )}
      </div>
    </a>
  );
}

function FirstRun({ o }: { o: Overview }): React.JSX.Element {
  const first = o.batches[0]?.batch ?? "my_batch";
  return (
    <div className="panel first-run" data-testid="first-run">
      <h2>No data yet</h2>
      <p>
        The store <code>{o.store}</code> has no metric points for {o.batches.length === 1 ? "this batch" : `these ${o.batches.length} batches`} yet.
        To get some:
      </p>
      <ul>
        <li>
          <code>npm start</code> backfills the demo batches, runs the whole pipeline and fills this dashboard;
        </li>
        <li>
          <code>npx anomstack run --batch {first}</code> runs one batch's jobs once (ingest, train, score, alerts);
        </li>
        <li>on Windmill, enable the batch's schedules or run its pipeline flow.</li>
      </ul>
      <p className="muted">Then refresh this page.</p>
    </div>
  );
}

export function Home({ windowSpec, refreshKey }: { windowSpec: string; refreshKey: number }): React.JSX.Element {
  const { data, error, loading } = useBackend(
    () => takeEarly<Overview>(overviewKey(windowSpec)) ?? api.overview({ window: windowSpec }),
    [windowSpec, refreshKey],
  );
  return (
    <main className="page" data-page="home" data-state={loading ? "loading" : error ? "error" : "ready"}>
      <div className="page-head">
        <h1>Metric batches</h1>
        {data && (
          <span className="muted">
            window {data.window} · {data.batches.length} batch{data.batches.length === 1 ? "" : "es"} · ordered by anomaly rate
          </span>
        )}
      </div>
      {error && (
        <div className="panel error" role="alert">
          {error}
        </div>
      )}
      {!data && loading && <div className="panel loading">Loading batches…</div>}
      {data && data.batches.length === 0 && (
        <div className="panel first-run" data-testid="no-batches">
          <h2>No metric batches to show</h2>
          <p>
            Add a batch YAML under <code>metrics/</code> (see <code>docs/configuration.md</code>), then run <code>npm start</code>.
          </p>
          {data.hidden.length > 0 && <p className="muted">Hidden with disable_dashboard: {data.hidden.join(", ")}</p>}
        </div>
      )}
      {data && data.batches.length > 0 && data.empty && <FirstRun o={data} />}
      {data && data.batches.length > 0 && (
        <div className="cards">
          {data.batches.map((c) => (
            <Card key={c.batch} c={c} now={data.now} />
          ))}
        </div>
      )}
    </main>
  );
}
