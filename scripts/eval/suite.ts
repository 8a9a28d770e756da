// `anomstack eval --suite` and `npm run eval:suite`: the repeated-incident suite (suite-data.ts) replayed
// through the same path as a user's `anomstack replay` (replay-run.ts), scored by point-adjusted F1 of the
// stored anomaly alerts and by the false-alarm rate (anomaly and change alerts) on anomaly-free metrics.
//
//   npm run eval:suite                              the shipped default detector, seed 12
//   npm run eval:suite -- --seed 7                  another draw of the same suite
//   npm run eval:suite -- --set score_suppress_n=0  any config key, typed like ANOMSTACK__<BATCH>__<KEY>
//   npm run eval:suite -- --only sparse,noise_0   a subset (metric names containing one of these)
//   npm run eval:suite -- --json                    the report as JSON
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import type { EvalSeries } from "./evaluate.ts";
import { detectorSummary, type NabRunResult } from "./nab.ts";
import { replaySeries } from "./replay-run.ts";
import { type EventType, generateSuite, SUITE_POINTS, SUITE_SEED, SUITE_SKIP, type SuiteSeries } from "./suite-data.ts";

export interface SuiteOptions {
  seed?: number;
  /** Keep the series whose metric name contains one of these (all when empty). */
  only?: string[];
  set?: string[];
  retrainEvery?: number;
  workers?: number;
  onProgress?: (done: number, total: number, metric: string) => void;
}

/** Point-adjusted precision / recall / F1 (Xu et al. 2018): a detected incident counts all its points. */
export interface PointAdjusted {
  /** Labelled points of detected incidents, of missed ones, and alerts outside every incident. */
  tp: number;
  fn: number;
  fp: number;
  precision: number;
  recall: number;
  f1: number;
  /** Incidents detected / planted. */
  found: number;
  incidents: number;
}

export interface SuiteResult {
  seed: number;
  config: NabRunResult["config"];
  seconds: number;
  /** Over every incident series. */
  overall: PointAdjusted;
  /** Per series kind, and per incident type (found / planted). */
  byKind: Record<string, PointAdjusted>;
  byEvent: Record<EventType, { found: number; incidents: number }>;
  /** Anomaly-free metrics: alerts per metric per 30 days, counted from day 2. */
  noise: {
    metrics: number;
    anomaly_alerts_per_30d: number;
    change_alerts_per_30d: number;
    byKind: Record<string, { anomaly: number; change: number }>;
  };
  /** Incidents no alert found: series, type, size, first point. */
  missed: { metric: string; type: EventType; size: number; start: number }[];
}

function pointAdjusted(tp: number, fn: number, fp: number, found: number, incidents: number): PointAdjusted {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fn, fp, precision, recall, f1, found, incidents };
}

/**
 * Point-adjusted counts of one series: from `SUITE_SKIP` on, an incident with an alert on one of its
 * labelled points counts all of them as found; an alert outside every incident is a false positive.
 */
export function scoreIncidents(series: SuiteSeries, alerts: readonly boolean[]) {
  const inEvent = new Int32Array(alerts.length).fill(-1);
  series.events.forEach((e, k) => {
    for (let i = e.start; i <= e.end; i++) inEvent[i] = k;
  });
  const hit = series.events.map(() => false);
  let fp = 0;
  for (let i = SUITE_SKIP; i < alerts.length; i++) {
    if (!alerts[i]) continue;
    if (inEvent[i] >= 0) hit[inEvent[i]] = true;
    else fp++;
  }
  let tp = 0;
  let fn = 0;
  series.events.forEach((e, k) => {
    if (hit[k]) tp += e.end - e.start + 1;
    else fn += e.end - e.start + 1;
  });
  return { tp, fn, fp, hit };
}

/** Alerts per metric per 30 days among the points from `SUITE_SKIP` on. */
function perMonth(flags: readonly (readonly boolean[])[]): number {
  if (flags.length === 0) return 0;
  const days = (SUITE_POINTS - SUITE_SKIP) / 144;
  const total = flags.reduce((a, f) => a + f.slice(SUITE_SKIP).filter(Boolean).length, 0);
  return (total / flags.length) * (30 / days);
}

/** Score replayed history against the suite's labels. */
export function evaluateSuite(suite: ReturnType<typeof generateSuite>, history: readonly EvalSeries[]) {
  const byMetric = new Map(history.map((s) => [s.metric, s]));
  const flagsOf = (s: SuiteSeries, what: "alerts" | "changes") => {
    const h = byMetric.get(s.metric);
    if (!h || h.timestamps.length !== s.timestamps.length) throw new Error(`suite: no replayed history for ${s.metric}`);
    return what === "alerts" ? h.alerts : (h.changes ?? h.alerts.map(() => false));
  };
  const totals = { tp: 0, fn: 0, fp: 0, found: 0, incidents: 0 };
  const kinds = new Map<string, typeof totals>();
  const byEvent = {} as SuiteResult["byEvent"];
  const missed: SuiteResult["missed"] = [];
  for (const s of suite.incidents) {
    const r = scoreIncidents(s, flagsOf(s, "alerts"));
    const k = kinds.get(s.kind) ?? { tp: 0, fn: 0, fp: 0, found: 0, incidents: 0 };
    kinds.set(s.kind, k);
    const found = r.hit.filter(Boolean).length;
    for (const t of [totals, k]) {
      t.tp += r.tp;
      t.fn += r.fn;
      t.fp += r.fp;
      t.found += found;
      t.incidents += s.events.length;
    }
    s.events.forEach((e, i) => {
      const b = (byEvent[e.type] ??= { found: 0, incidents: 0 });
      b.incidents++;
      if (r.hit[i]) b.found++;
      else missed.push({ metric: s.metric, type: e.type, size: e.size, start: e.start });
    });
  }
  const noiseKinds: SuiteResult["noise"]["byKind"] = {};
  for (const kind of new Set(suite.noise.map((s) => s.kind))) {
    const of = suite.noise.filter((s) => s.kind === kind);
    noiseKinds[kind] = { anomaly: perMonth(of.map((s) => flagsOf(s, "alerts"))), change: perMonth(of.map((s) => flagsOf(s, "changes"))) };
  }
  const adjusted = (t: typeof totals) => pointAdjusted(t.tp, t.fn, t.fp, t.found, t.incidents);
  return {
    overall: adjusted(totals),
    byKind: Object.fromEntries([...kinds].map(([k, t]) => [k, adjusted(t)])),
    byEvent,
    noise: {
      metrics: suite.noise.length,
      anomaly_alerts_per_30d: perMonth(suite.noise.map((s) => flagsOf(s, "alerts"))),
      change_alerts_per_30d: perMonth(suite.noise.map((s) => flagsOf(s, "changes"))),
      byKind: noiseKinds,
    },
    missed,
  };
}

/** Generate the suite, replay it as batch `suite` with the shipped default (or `set`), and score it. */
export async function runSuite(opts: SuiteOptions = {}): Promise<SuiteResult> {
  const started = performance.now();
  const seed = opts.seed ?? SUITE_SEED;
  const full = generateSuite(seed);
  const keep = (s: SuiteSeries) => !opts.only?.length || opts.only.some((o) => s.metric.includes(o));
  const suite = { incidents: full.incidents.filter(keep), noise: full.noise.filter(keep) };
  if (suite.incidents.length + suite.noise.length === 0) throw new Error(`no suite series matches --only ${opts.only?.join(",")}`);
  const all = [...suite.incidents, ...suite.noise];
  const { cfg, series } = await replaySeries(all, {
    batch: "suite",
    set: opts.set,
    retrainEvery: opts.retrainEvery,
    workers: opts.workers,
    onProgress: opts.onProgress,
  });
  return { seed, config: detectorSummary(cfg), seconds: (performance.now() - started) / 1000, ...evaluateSuite(suite, series) };
}

const f2 = (x: number) => x.toFixed(2);
const f3 = (x: number) => x.toFixed(3);

/** The result as text. */
export function formatSuite(r: SuiteResult): string {
  const c = r.config;
  const lines = [
    `suite (seed ${r.seed}): detector_preset=${c.detector_preset}, models ${c.model_configs.map((m) => `${m.model_name}:${m.model_tag}`).join(", ")}, ` +
      `combination ${c.model_combination_method}, calibration ${c.score_calibration}, suppression ${c.score_suppress_n}, alert at ${c.alert_threshold}`,
    `repeated incidents: point-adjusted F1 ${f3(r.overall.f1)} (precision ${f3(r.overall.precision)}, recall ${f3(r.overall.recall)}); ` +
      `${r.overall.found}/${r.overall.incidents} incidents found, ${r.overall.fp} false alert(s)`,
    ...Object.entries(r.byKind).map(
      ([k, a]) =>
        `  ${k.padEnd(9)} PA-F1 ${f3(a.f1)}  precision ${f3(a.precision)}  recall ${f3(a.recall)}  found ${a.found}/${a.incidents}  false alerts ${a.fp}`,
    ),
    `  by type: ${Object.entries(r.byEvent)
      .map(([t, b]) => `${t} ${b.found}/${b.incidents}`)
      .join(", ")}`,
    `noise (${r.noise.metrics} anomaly-free metrics, from day 2): ${f2(r.noise.anomaly_alerts_per_30d)} anomaly alert(s) and ` +
      `${f2(r.noise.change_alerts_per_30d)} change alert(s) per metric per 30 days`,
    ...Object.entries(r.noise.byKind).map(([k, n]) => `  ${k.padEnd(17)} anomaly ${f2(n.anomaly)}  change ${f2(n.change)}`),
    `done in ${r.seconds.toFixed(1)} s`,
  ];
  return `${lines.join("\n")}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: "string" },
      only: { type: "string" },
      set: { type: "string", multiple: true },
      preset: { type: "string" },
      "retrain-every": { type: "string" },
      workers: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const int = (name: string, v: string | undefined, min: number) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${v}`);
    return n;
  };
  const r = await runSuite({
    seed: int("seed", values.seed, 0),
    only: values.only
      ?.split(",")
      .map((x) => x.trim())
      .filter(Boolean),
    set: [...(values.preset ? [`detector_preset=${values.preset}`] : []), ...(values.set ?? [])],
    retrainEvery: int("retrain-every", values["retrain-every"], 1),
    workers: int("workers", values.workers, 1),
  });
  process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : formatSuite(r));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await main();
  } catch (e) {
    process.stderr.write(`eval:suite: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
