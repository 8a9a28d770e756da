// Ingest of the weather example: Open-Meteo's current conditions (temperature, precipitation, wind speed,
// cloud cover, UV index, visibility, precipitation probability) in 12 cities, one request for all of them
// (Open-Meteo takes comma-separated coordinates and answers with one object per location, in order).
import type { IngestArgs, IngestRow } from "../../../f/anomstack/core/batch-api.ts";

const DEFAULT_URL = "https://api.open-meteo.com";

/** City, latitude, longitude (the original's list). */
export const CITIES: readonly [string, number, number][] = [
  ["dublin", 53.3441, -6.2675],
  ["athens", 37.9792, 23.7166],
  ["london", 51.5002, -0.1262],
  ["berlin", 52.5235, 13.4115],
  ["paris", 48.8567, 2.351],
  ["madrid", 40.4167, -3.7033],
  ["new_york", 40.7128, -74.006],
  ["los_angeles", 34.0522, -118.2437],
  ["sydney", -33.8688, 151.2153],
  ["tokyo", 35.6812, 139.7671],
  ["beijing", 39.9087, 116.3975],
  ["cape_town", -33.9249, 18.4241],
];

/** Open-Meteo's names of the current variables, also the end of each metric's name. */
export const VARIABLES = [
  "temperature_2m",
  "precipitation",
  "windspeed_10m",
  "cloudcover",
  "uv_index",
  "visibility",
  "precipitation_probability",
] as const;

export async function ingest({ now, env, http }: IngestArgs): Promise<IngestRow[]> {
  const base = (env.ANOMSTACK_EXAMPLE_WEATHER_URL || DEFAULT_URL).replace(/\/+$/, "");
  const query = new URLSearchParams({
    latitude: CITIES.map((c) => c[1]).join(","),
    longitude: CITIES.map((c) => c[2]).join(","),
    current: VARIABLES.join(","),
  });
  const url = `${base}/v1/forecast?${query}`;
  const answer = await http.json(url);
  // One location gives an object, several a list of them.
  const places = Array.isArray(answer) ? answer : [answer];
  if (places.length !== CITIES.length) throw http.malformed(url, `expected ${CITIES.length} locations, got ${places.length}`);
  const rows: IngestRow[] = [];
  places.forEach((place, i) => {
    const current = (place as { current?: Record<string, unknown> } | null)?.current;
    if (typeof current !== "object" || current === null) throw http.malformed(url, `location ${i} (${CITIES[i][0]}) has no "current" object`);
    for (const v of VARIABLES) {
      const value = current[v];
      // A variable the model has no value for is null: no point for it this time.
      if (typeof value === "number") rows.push({ metric_timestamp: now, metric_name: `temp_${CITIES[i][0]}_${v}`, metric_value: value });
    }
  });
  return rows;
}
