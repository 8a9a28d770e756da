// Deterministic dashboard data for the benchmark, the browser tests and screenshots: a metrics folder
// (the real defaults plus one YAML per batch) and metric, score and alert rows of every kind in a
// DuckDB file. Series are seasonal with noise and a few injected anomalies and level shifts.
import fs from "node:fs";
import path from "node:path";
import type { MetricRow } from "../../f/anomstack/store/metric-row.ts";
import { openDuckdbStore } from "../../f/anomstack/store/duckdb/store.ts";
import { REPO_ROOT } from "./bundle.ts";

export interface SeedBatch {
  name: string;
  metrics: number;
  points: number;
  /** Milliseconds between points (default one minute). */
  everyMs?: number;
  /** Metric name prefixes, cycled (default "metric"). */
  prefixes?: string[];
  /** 0..1: how anomalous the batch is (default 0.3). */
  trouble?: number;
}

/** A small seeded PRNG (mulberry32), so every run writes the same rows. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EXPLANATIONS = [
  "The value jumped to several times its usual level within one interval, far outside the recent daily pattern.",
  "A sudden drop to near zero after a long stable period; looks like an outage of the source rather than real demand.",
  "Steady climb over the last points that breaks the usual plateau; the latest value is the highest in the window.",
];

function hashName(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Metric names of a batch: `<prefix>_<n>` with the prefixes cycled, zero-padded. */
export function metricNames(b: SeedBatch): string[] {
  const prefixes = b.prefixes ?? ["metric"];
  const width = String(b.metrics).length;
  return Array.from({ length: b.metrics }, (_, i) => `${prefixes[i % prefixes.length]}_${String(i + 1).padStart(width, "0")}`);
}

/** Every row of one batch: points ending at `now` (the newest 3 not scored yet). */
export function seedRows(b: SeedBatch, now: Date): MetricRow[] {
  const every = b.everyMs ?? 60_000;
  const trouble = b.trouble ?? 0.3;
  const rows: MetricRow[] = [];
  const end = Math.floor(now.getTime() / every) * every;
  const names = metricNames(b);
  names.forEach((name, m) => {
    const rnd = prng(hashName(`${b.name}/${name}`));
    const level = 20 + rnd() * 180;
    const amp = level * (0.08 + rnd() * 0.2);
    const period = 60 + Math.floor(rnd() * 240);
    const noisy = level * (0.01 + rnd() * 0.04);
    // Anomalies: a few spikes in the metrics the batch's `trouble` picks, a level shift in some.
    const spikes = new Set<number>();
    const nSpikes = rnd() < trouble ? 1 + Math.floor(rnd() * 4) : rnd() < 0.3 ? 1 : 0;
    for (let k = 0; k < nSpikes; k++) spikes.add(Math.floor(b.points * (0.35 + rnd() * 0.62)));
    const shiftAt = rnd() < trouble * 0.6 ? Math.floor(b.points * (0.4 + rnd() * 0.5)) : -1;
    const llmAt = m % 7 === 0 && spikes.size > 0 ? [...spikes][0] : -1;
    let score = 0.2;
    for (let i = 0; i < b.points; i++) {
      const ts = new Date(end - (b.points - 1 - i) * every);
      let v = level + amp * Math.sin((2 * Math.PI * i) / period) + noisy * (rnd() * 2 - 1);
      if (shiftAt >= 0 && i >= shiftAt) v += level * 0.35;
      const spike = spikes.has(i);
      if (spike) v += (rnd() < 0.5 ? -1 : 1) * level * (0.6 + rnd());
      v = Math.round(v * 1e4) / 1e4;
      const base = { metric_timestamp: ts, metric_batch: b.name, metric_name: name, metadata: "" };
      rows.push({ ...base, metric_type: "metric", metric_value: v });
      // Scores: low noise, high at spikes and right after a shift, decaying.
      score = spike ? 0.93 + rnd() * 0.06 : shiftAt >= 0 && i === shiftAt ? 0.82 : Math.max(0.05 + rnd() * 0.25, score * 0.6);
      if (i < b.points - 3) rows.push({ ...base, metric_type: "score", metric_value: Math.round(score * 1e4) / 1e4 });
      if (spike && i < b.points - 3) rows.push({ ...base, metric_type: "alert", metric_value: 1 });
      if (i === shiftAt) rows.push({ ...base, metric_type: "change", metric_value: 1 });
      if (spike && m % 5 === 1) rows.push({ ...base, metric_type: "tholdalert", metric_value: 1, metadata: '{"breach":"upper"}' });
      if (i === llmAt) {
        rows.push({
          ...base,
          metric_type: "llmalert",
          metric_value: 1,
          metadata: JSON.stringify({ anomaly_explanation: EXPLANATIONS[m % EXPLANATIONS.length] }),
        });
      }
    }
  });
  return rows;
}

export interface SeededWorkspace {
  dir: string;
  metricsDir: string;
  duckdbPath: string;
  /** ANOMSTACK_METRICS_DIR, ANOMSTACK_DUCKDB_PATH, ANOMSTACK_MODEL_PATH for the server process. */
  env: Record<string, string>;
}

/**
 * A metrics folder in `dir` with the real defaults and one batch YAML per batch (ingest_cron_schedule
 * every minute), and, unless `empty`, their rows in `dir/data/anomstack.duckdb`.
 */
export async function seedWorkspace(dir: string, batches: SeedBatch[], now: Date, opts: { empty?: boolean } = {}): Promise<SeededWorkspace> {
  const metricsDir = path.join(dir, "metrics");
  fs.cpSync(path.join(REPO_ROOT, "metrics/defaults"), path.join(metricsDir, "defaults"), { recursive: true });
  for (const b of batches) {
    fs.mkdirSync(path.join(metricsDir, b.name), { recursive: true });
    fs.writeFileSync(
      path.join(metricsDir, b.name, `${b.name}.yaml`),
      `metric_batch: ${b.name}\ningest_sql: select 1 as metric_value\ningest_cron_schedule: "* * * * *"\n`,
    );
  }
  const duckdbPath = path.join(dir, "data", "anomstack.duckdb");
  if (!opts.empty) {
    const store = await openDuckdbStore({ path: duckdbPath });
    try {
      for (const b of batches) await store.append(seedRows(b, now));
    } finally {
      await store.close();
    }
  }
  return {
    dir,
    metricsDir,
    duckdbPath,
    env: { ANOMSTACK_METRICS_DIR: metricsDir, ANOMSTACK_DUCKDB_PATH: duckdbPath, ANOMSTACK_MODEL_PATH: `local://${path.join(dir, "models")}` },
  };
}
