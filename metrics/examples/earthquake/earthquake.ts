// Ingest of the earthquake example: the USGS feed of the last day's earthquakes (GeoJSON), summarised as
// the number of events with a magnitude, the largest and the mean magnitude (0 when there were none).
import type { IngestArgs, IngestRow } from "../../../f/anomstack/core/batch-api.ts";

const DEFAULT_URL = "https://earthquake.usgs.gov";

export async function ingest({ now, env, http }: IngestArgs): Promise<IngestRow[]> {
  const base = (env.ANOMSTACK_EXAMPLE_EARTHQUAKE_URL || DEFAULT_URL).replace(/\/+$/, "");
  const url = `${base}/earthquakes/feed/v1.0/summary/all_day.geojson`;
  const feed = (await http.json(url)) as { type?: unknown; features?: unknown } | null;
  if (feed?.type !== "FeatureCollection" || !Array.isArray(feed.features))
    throw http.malformed(url, "expected a GeoJSON FeatureCollection with features");
  const mags = (feed.features as { properties?: { mag?: unknown } }[])
    .map((f) => f?.properties?.mag)
    .filter((m): m is number => typeof m === "number" && Number.isFinite(m));
  const count = mags.length;
  const metric = (name: string, value: number): IngestRow => ({
    metric_timestamp: now,
    metric_name: `earthquake_${name}_last_day`,
    metric_value: value,
  });
  return [
    metric("count", count),
    metric("max_magnitude", count ? Math.max(...mags) : 0),
    metric("avg_magnitude", count ? mags.reduce((a, b) => a + b, 0) / count : 0),
  ];
}
