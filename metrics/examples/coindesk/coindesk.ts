// Ingest of the coindesk example: the latest CADLI index tick of BTC-USD and ETH-USD from the CoinDesk
// Data API, keeping its numeric CURRENT_HOUR_* fields as `coindesk.<instrument>.<FIELD>`, stamped with the
// tick's VALUE_LAST_UPDATE_TS (to the second). The API reports its own errors in "Err".
import type { IngestArgs, IngestRow } from "../../../f/anomstack/core/batch-api.ts";

const DEFAULT_URL = "https://data-api.coindesk.com";
const INSTRUMENTS = ["BTC-USD", "ETH-USD"];
/** Fields that are not statistics. */
const SKIP = new Set(["TYPE", "MARKET", "INSTRUMENT", "VALUE_FLAG"]);

export async function ingest({ now, env, http }: IngestArgs): Promise<IngestRow[]> {
  const base = (env.ANOMSTACK_EXAMPLE_COINDESK_URL || DEFAULT_URL).replace(/\/+$/, "");
  const url = `${base}/index/cc/v1/latest/tick?${new URLSearchParams({ market: "cadli", instruments: INSTRUMENTS.join(","), apply_mapping: "true" })}`;
  const key = env.ANOMSTACK_COINDESK_API_KEY;
  const answer = (await http.json(url, key ? { headers: { Authorization: `Apikey ${key}` } } : {})) as { Data?: unknown; Err?: unknown } | null;
  if (answer?.Err && typeof answer.Err === "object" && Object.keys(answer.Err).length > 0) {
    throw http.malformed(url, `the API reports an error: ${JSON.stringify(answer.Err).slice(0, 200)}`);
  }
  const data = answer?.Data;
  if (typeof data !== "object" || data === null) throw http.malformed(url, 'expected "Data" with one tick per instrument');
  const rows: IngestRow[] = [];
  for (const [instrument, tick] of Object.entries(data as Record<string, Record<string, unknown>>)) {
    const ts = typeof tick?.VALUE_LAST_UPDATE_TS === "number" ? new Date(Math.floor(tick.VALUE_LAST_UPDATE_TS) * 1000) : now;
    for (const [field, value] of Object.entries(tick ?? {})) {
      if (SKIP.has(field) || !field.includes("CURRENT_HOUR") || typeof value !== "number" || !Number.isFinite(value)) continue;
      rows.push({ metric_timestamp: ts, metric_name: `coindesk.${instrument}.${field}`, metric_value: value });
    }
  }
  if (rows.length === 0) throw http.malformed(url, "no CURRENT_HOUR_* field in any tick");
  return rows;
}
