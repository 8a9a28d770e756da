// The contract of a batch's own TypeScript modules: what an `ingest_fn` module's `ingest()` and a
// `preprocess_fn` module's `preprocess()` receive and return. Types only; a module imports them with
// `import type`, which the runtimes erase, so a module works wherever its folder is copied.
//nobundling
import type { Env } from "./env.ts";

/** One row an ingest function returns. Timestamps may be Dates, epoch ms or ISO strings (no zone = UTC). */
export interface IngestRow {
  metric_timestamp: Date | number | string;
  metric_name: string;
  metric_value: number | string | null;
}

/** HTTP for ingest functions. Every failure throws a SourceError naming the batch, the method and the URL. */
export interface IngestHttp {
  /** GET (or `init.method`) and parse JSON; a non-2xx status, a rate limit or a body that is not JSON throws. */
  json(url: string, init?: HttpInit): Promise<unknown>;
  /** GET (or `init.method`) and return the body as text, with the response headers. */
  text(url: string, init?: HttpInit): Promise<{ body: string; headers: Headers; status: number }>;
  /** A SourceError for a response that parsed but has the wrong shape (`reason` says what was expected). */
  malformed(url: string, reason: string, method?: string): Error;
  /**
   * Run `fetch` for every source (at most 4 at a time) and join what they return. A source that fails is
   * left out with a warning; when every source fails, one error lists them all.
   */
  each<S, T = IngestRow>(sources: readonly S[], label: (source: S) => string, fetch: (source: S) => Promise<T[]>): Promise<T[]>;
}

/** Options of one request. */
export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON (and Content-Type: application/json). */
  json?: unknown;
  /** Statuses to accept besides 2xx (e.g. 404 for a cookie endpoint that answers 404 with the cookie). */
  acceptStatus?: readonly number[];
  /** Milliseconds before the request is abandoned (default 10,000). */
  timeoutMs?: number;
}

/** What `ingest()` receives. */
export interface IngestArgs {
  /** The run's time (UTC); stamp points with it unless the source gives its own time. */
  now: Date;
  /** The job's environment: process.env, overlaid on Windmill with the settings resource's `env`. */
  env: Env;
  /** The batch's name (`metric_batch`). */
  batch: string;
  http: IngestHttp;
  /** A note shown with the job's result (e.g. a source that was skipped). */
  warn(message: string): void;
}

/** An `ingest_fn` module's `ingest` export. */
export type IngestFunction = (args: IngestArgs) => readonly IngestRow[] | Promise<readonly IngestRow[]>;

/** One stored point of a metric, as a `preprocess_fn` receives it (oldest first). */
export interface PreprocessRow {
  metric_timestamp: Date;
  metric_value: number;
}

/**
 * A feature matrix: one row per timestamp (ascending, distinct), `columns.length` finite numbers each.
 * A point is scored at its row's timestamp; timestamps need not be input timestamps (e.g. resampled bins).
 */
export interface Features {
  timestamps: (Date | number)[];
  columns: string[];
  values: number[][];
}

/** The default preprocessing params (the keys of `preprocess_params`) plus any keys of the batch's own. */
export interface PreprocessParams {
  diff_n: number;
  smooth_n: number;
  lags_n: number;
  freq: string | null;
  freq_agg: "mean" | "sum";
  [key: string]: unknown;
}

/** The third argument of `preprocess()`. */
export interface PreprocessContext {
  batch: string;
  metric: string;
  /** The model whose features these are (`model_tag`). */
  model_tag: string;
  /** The default preprocessing (diff, smooth, lags, resample), to call on any rows and extend. */
  defaultPreprocess(rows: readonly PreprocessRow[], params?: Partial<PreprocessParams>): Features;
}

/**
 * A `preprocess_fn` module's `preprocess` export: the features of a metric's points, computed the same way
 * by train, score and replay. It must be synchronous and read, for a row, only that row and earlier ones.
 */
export type PreprocessFunction = (rows: readonly PreprocessRow[], params: PreprocessParams, ctx: PreprocessContext) => Features;

/**
 * Optional export `lookback(params)`: how many points before a row its features read (score and replay
 * pass that many earlier points along). Without it: the default preprocessing's window for `params`.
 */
export type PreprocessLookback = (params: PreprocessParams) => number;
