// The anomaly list of a batch: every point with an anomaly or LLM alert in the window, newest first,
// 50 per page, each with a sparkline of its metric and thumbs up / down buttons that store feedback.
import type React from "react";
import { useMemo, useState } from "react";
import type { FeedbackKind, MetricSeries } from "./api";
import { dateTime, num, pct } from "./format";
import type { Palette } from "./theme";

export const PER_PAGE = 50;

export interface AnomalyRow {
  key: string;
  series: MetricSeries;
  i: number;
  t: number;
  llm: boolean;
  anomaly: boolean;
}

/** Rows of the list: points with an `alert` or `llmalert`, newest first, then by metric name. */
export function anomalyRows(metrics: readonly MetricSeries[]): AnomalyRow[] {
  const out: AnomalyRow[] = [];
  for (const s of metrics) {
    const idx = new Set([...s.alert, ...s.llmalert]);
    const llm = new Set(s.llmalert);
    const anomaly = new Set(s.alert);
    for (const i of idx) out.push({ key: `${s.name}|${s.t[i]}`, series: s, i, t: s.t[i], llm: llm.has(i), anomaly: anomaly.has(i) });
  }
  return out.sort((a, b) => b.t - a.t || (a.series.name < b.series.name ? -1 : a.series.name > b.series.name ? 1 : 0));
}

function Sparkline({ s, i, palette }: { s: MetricSeries; i: number; palette: Palette }): React.JSX.Element {
  const W = 140;
  const H = 30;
  const { d, px, py } = useMemo(() => {
    const n = s.value.length;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of s.value) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi - lo || 1;
    const x = (k: number) => (n > 1 ? (k / (n - 1)) * (W - 8) + 4 : W / 2);
    const y = (v: number) => H - 4 - ((v - lo) / span) * (H - 8);
    let path = "";
    for (let k = 0; k < n; k++) path += `${k ? "L" : "M"}${x(k).toFixed(1)},${y(s.value[k]).toFixed(1)}`;
    return { d: path, px: x(i), py: y(s.value[i]) };
  }, [s, i]);
  const color = s.llmalert.includes(i) && !s.alert.includes(i) ? palette.llmalert : palette.alert;
  return (
    <svg className="sparkline" width={W} height={H} viewBox={`0 0 ${W} ${H}`} aria-hidden="true">
      <path d={d} fill="none" stroke={palette.primary} strokeWidth={1.2} />
      <path d={`M${px},${py - 5}L${px + 5},${py}L${px},${py + 5}L${px - 5},${py}Z`} fill={color} stroke={palette.background} strokeWidth={1} />
    </svg>
  );
}

/** A thumbs-up icon (pointing down for `down`), drawn in the current text colour. */
export function Thumb({ down = false }: { down?: boolean }): React.JSX.Element {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round">
      <g transform={down ? "rotate(180 12 12)" : undefined}>
        <rect x="2.5" y="10" width="4" height="10.5" rx="1" />
        <path d="M6.5 10.5 L11.2 3.6 C12.4 2.6 14.6 3.4 14.3 5.4 L13.6 9.2 H19.3 C20.8 9.2 21.9 10.6 21.5 12 L19.6 18.9 C19.3 19.9 18.4 20.5 17.4 20.5 H6.5" />
      </g>
    </svg>
  );
}

export interface AnomalyListProps {
  metrics: readonly MetricSeries[];
  palette: Palette;
  /** Feedback shown for a row (stored, or just given). */
  feedbackOf: (row: AnomalyRow) => FeedbackKind | undefined;
  pending: ReadonlySet<string>;
  onFeedback: (row: AnomalyRow, kind: FeedbackKind) => void;
}

export function AnomalyList({ metrics, palette, feedbackOf, pending, onFeedback }: AnomalyListProps): React.JSX.Element {
  const rows = useMemo(() => anomalyRows(metrics), [metrics]);
  const [page, setPage] = useState(1);
  const pages = Math.max(1, Math.ceil(rows.length / PER_PAGE));
  const p = Math.min(Math.max(1, page), pages);
  const shown = rows.slice((p - 1) * PER_PAGE, p * PER_PAGE);
  if (rows.length === 0) {
    return (
      <div className="panel empty" data-testid="no-anomalies">
        <h2>No anomalies in this window</h2>
        <p>No point of these metrics has an anomaly or LLM alert. Try a longer window, such as 7d or 500n.</p>
      </div>
    );
  }
  return (
    <div className="panel anomalies">
      <div className="list-head">
        <span data-testid="anomaly-count">
          Showing {(p - 1) * PER_PAGE + 1}–{(p - 1) * PER_PAGE + shown.length} of {rows.length} anomalies
        </span>
        <span className="pager">
          <button type="button" className="btn" disabled={p <= 1} onClick={() => setPage(p - 1)}>
            ‹ Previous
          </button>
          <span>
            Page {p} of {pages}
          </span>
          <button type="button" className="btn" disabled={p >= pages} onClick={() => setPage(p + 1)}>
            Next ›
          </button>
        </span>
      </div>
      <table className="anomaly-table">
        <thead>
          <tr>
            <th>Metric</th>
            <th>Time</th>
            <th>Alert</th>
            <th className="num">Value</th>
            <th className="num">Score</th>
            <th>Trend</th>
            <th>Feedback</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => {
            const fb = feedbackOf(r);
            const busy = pending.has(r.key);
            const score = r.series.score[r.i];
            const why = r.series.explanations[r.i];
            return (
              <tr key={r.key} data-metric={r.series.name} data-ts={new Date(r.t).toISOString()}>
                <td className="metric-cell">
                  <div className="metric-name" title={r.series.name}>
                    {r.series.name}
                  </div>
                  {why && (
                    <div className="why" title={why}>
                      {why}
                    </div>
                  )}
                </td>
                <td className="time-cell">{dateTime(r.t)}</td>
                <td>
                  {r.anomaly && <span className="badge alert">anomaly</span>}
                  {r.llm && (
                    <span className="badge llm" title={why || "LLM alert"}>
                      LLM
                    </span>
                  )}
                </td>
                <td className="num">{num(r.series.value[r.i])}</td>
                <td className="num">{score === null ? "–" : pct(score)}</td>
                <td>
                  <Sparkline s={r.series} i={r.i} palette={palette} />
                </td>
                <td className="feedback-cell">
                  <button
                    type="button"
                    className={`thumb up${fb === "thumbsup" ? " active" : ""}`}
                    aria-pressed={fb === "thumbsup"}
                    aria-label="Thumbs up: a real anomaly"
                    title="A real anomaly"
                    disabled={busy}
                    onClick={() => onFeedback(r, "thumbsup")}
                  >
                    <Thumb />
                  </button>
                  <button
                    type="button"
                    className={`thumb down${fb === "thumbsdown" ? " active" : ""}`}
                    aria-pressed={fb === "thumbsdown"}
                    aria-label="Thumbs down: a false alarm"
                    title="A false alarm"
                    disabled={busy}
                    onClick={() => onFeedback(r, "thumbsdown")}
                  >
                    <Thumb down />
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
