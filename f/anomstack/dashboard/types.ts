// What the dashboard's backend scripts return to the app (f/anomstack/dashboard.raw_app).
// Plain JSON, columnar per metric so a chart library gets arrays directly. Pure types, no code.
//nobundling

/** Kinds of feedback a person gives on a point, stored as rows of these metric types (value 1). */
export type FeedbackKind = "thumbsup" | "thumbsdown";

/** Summary numbers of one metric over the loaded window. */
export interface MetricStats {
  /** Points in the window. */
  points: number;
  /** Share of points with an anomaly alert (`alert` or `llmalert` row), 0..1. */
  anomalyRate: number;
  /** Mean anomaly score of the scored points, 0..1 (0 when nothing is scored). */
  avgScore: number;
  /** Alert rows of each kind in the window. */
  alerts: { anomaly: number; change: number; tholdalert: number; llmalert: number };
  thumbsup: number;
  thumbsdown: number;
  /** ISO time of the newest point. */
  latest: string;
}

/** One metric's points in the window, oldest first. Flags are indices into `t`. */
export interface MetricSeries {
  name: string;
  /** Epoch milliseconds (UTC) of each point. */
  t: number[];
  value: number[];
  /** Anomaly score 0..1, null where the point is not scored yet. */
  score: (number | null)[];
  alert: number[];
  change: number[];
  tholdalert: number[];
  llmalert: number[];
  /** LLM explanation by point index (only points with an LLM alert that has one). */
  explanations: Record<number, string>;
  /** The feedback given on a point, by point index. */
  feedback: Record<number, FeedbackKind>;
  stats: MetricStats;
}

/** `dashboard_batch`: every metric of one batch in a window. */
export interface BatchView {
  batch: string;
  /** The window as given (normalized), e.g. "90n", "24h". */
  window: string;
  /** ISO time the window ends at. */
  now: string;
  /** ISO time of the newest point of the batch, null when it has none. */
  latest: string | null;
  stale: boolean;
  /** Metrics ordered by anomaly rate, then average score (highest first), then name. */
  metrics: MetricSeries[];
  /** Names of every batch shown on the dashboard (for the batch switcher). */
  batches: string[];
}

/** One card of the home page. */
export interface BatchCard {
  batch: string;
  metrics: number;
  points: number;
  anomalyRate: number;
  avgScore: number;
  alerts: { anomaly: number; change: number; tholdalert: number; llmalert: number; total: number };
  /** ISO time of the newest point, null when the batch has no data yet. */
  latest: string | null;
  /** No new point for more than three ingest periods (by `ingest_cron_schedule`). */
  stale: boolean;
  /** Why the batch's store could not be read (its database down, bad credentials); absent when it was. */
  error?: string;
}

/** `dashboard_overview`: the home page. */
export interface Overview {
  window: string;
  now: string;
  /** Where the data is read from (DuckDB file), for the first-run message. */
  store: string;
  /** Batches ordered by anomaly rate, then average score (highest first), then name. */
  batches: BatchCard[];
  /** Batches left out with `disable_dashboard`. */
  hidden: string[];
  /** True when no batch has any stored point yet (the app then explains how to get data). */
  empty: boolean;
}

/** `dashboard_feedback`: the row that was stored. */
export interface FeedbackResult {
  stored: {
    metric_timestamp: string;
    metric_batch: string;
    metric_name: string;
    metric_type: FeedbackKind;
    metric_value: 1;
  };
  /** Rows of the other kind removed for the same point (a changed mind), 0 or 1. */
  replaced: number;
}
