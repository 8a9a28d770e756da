// Ingest of the tomtom example: TomTom's Traffic Flow API (flowSegmentData, relative speeds, zoom 10) at one
// point in each of four cities: the current speed (km/h) and current travel time (s) of the road segment
// there. The key travels in the URL; error messages show it as ***.
import type { IngestArgs, IngestRow } from "../../../f/anomstack/core/batch-api.ts";

const DEFAULT_URL = "https://api.tomtom.com";
/** City and the point (lat,lon) queried (the original's). */
export const POINTS: readonly [string, string][] = [
  ["amsterdam", "52.41072,4.84239"],
  ["dublin", "53.3472695,-6.261671"],
  ["london", "51.528607,-0.4312413"],
  ["nyc", "40.69754,-74.0209442"],
];

export async function ingest({ now, env, http }: IngestArgs): Promise<IngestRow[]> {
  const base = (env.ANOMSTACK_EXAMPLE_TOMTOM_URL || DEFAULT_URL).replace(/\/+$/, "");
  const key = env.ANOMSTACK_TOMTOM_API_KEY ?? "";
  return http.each(
    POINTS,
    ([city]) => city,
    async ([city, point]) => {
      const url = `${base}/traffic/services/4/flowSegmentData/relative0/10/json?${new URLSearchParams({ point, unit: "KMPH", openLr: "false", key })}`;
      const answer = (await http.json(url)) as { flowSegmentData?: { currentSpeed?: unknown; currentTravelTime?: unknown } } | null;
      const flow = answer?.flowSegmentData;
      if (typeof flow !== "object" || flow === null) throw http.malformed(url, "expected flowSegmentData");
      const rows: IngestRow[] = [];
      if (typeof flow.currentSpeed === "number")
        rows.push({ metric_timestamp: now, metric_name: `tomtom_${city}_current_speed`, metric_value: flow.currentSpeed });
      if (typeof flow.currentTravelTime === "number") {
        rows.push({ metric_timestamp: now, metric_name: `tomtom_${city}_current_travel_time`, metric_value: flow.currentTravelTime });
      }
      return rows;
    },
  );
}
