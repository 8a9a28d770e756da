// Copied from metrics/examples/python_ingest_simple/ingest.ts by npm run generate: edit the original, not this copy.
//nobundling
// Ingest function of the python_ingest_simple example: metric1..metric5 drawn uniformly from [0, 10);
// with a 1% chance all five become a spike (15..30), a drop (-10..-1) or a plateau (one value in 5..6).
// Randomness is seeded by `now`, so a backfill is reproducible and every run of the demo looks alike.

/** A small seeded PRNG (mulberry32): enough for demo data, not for anything secret. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function ingest({ now }: { now: Date }) {
  const random = seededRandom(Math.floor(now.getTime() / 60_000));
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
  const names = ["metric1", "metric2", "metric3", "metric4", "metric5"];
  let values = names.map(() => uniform(0, 10));
  if (random() < 0.01) {
    const kind = Math.floor(random() * 3);
    if (kind === 0) values = names.map(() => uniform(15, 30));
    else if (kind === 1) values = names.map(() => uniform(-10, -1));
    else {
      const plateau = uniform(5, 6);
      values = names.map(() => plateau);
    }
  }
  return names.map((metric_name, i) => ({ metric_timestamp: now, metric_name, metric_value: values[i] }));
}
