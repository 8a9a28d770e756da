// Ingest of the iss_location example: the International Space Station's position from Open Notify
// (iss-now.json: a Unix timestamp and the latitude / longitude as strings), stamped with that timestamp.
import type { IngestArgs, IngestRow } from "../../../f/anomstack/core/batch-api.ts";

const DEFAULT_URL = "http://api.open-notify.org";

export async function ingest({ env, http }: IngestArgs): Promise<IngestRow[]> {
  const base = (env.ANOMSTACK_EXAMPLE_ISS_LOCATION_URL || DEFAULT_URL).replace(/\/+$/, "");
  const url = `${base}/iss-now.json`;
  const answer = (await http.json(url)) as {
    message?: unknown;
    timestamp?: unknown;
    iss_position?: { latitude?: unknown; longitude?: unknown };
  } | null;
  const lat = Number(answer?.iss_position?.latitude);
  const lon = Number(answer?.iss_position?.longitude);
  if (answer?.message !== "success" || typeof answer.timestamp !== "number" || !Number.isFinite(lat) || !Number.isFinite(lon)) {
    throw http.malformed(url, 'expected {"message": "success", "timestamp": <seconds>, "iss_position": {"latitude", "longitude"}}');
  }
  const ts = new Date(answer.timestamp * 1000);
  return [
    { metric_timestamp: ts, metric_name: "iss_latitude", metric_value: lat },
    { metric_timestamp: ts, metric_name: "iss_longitude", metric_value: lon },
  ];
}
