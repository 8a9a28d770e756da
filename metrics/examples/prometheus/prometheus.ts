// Ingest of the prometheus example: 10 instant PromQL queries against a Prometheus server's HTTP API.
// Each series of a result becomes `<label>` or `<label>.<instance with : as _>`, stamped with the query's
// evaluation time (to the second); when one query returns several series of one instance, the first counts
// (as the original kept the first of duplicates).
import type { IngestArgs, IngestRow } from "../../../f/anomstack/core/batch-api.ts";

const DEFAULT_URL = "https://demo.promlabs.com";
/** Metric label and PromQL (the original's queries). */
export const QUERIES: readonly [string, string][] = [
  ["demo_api_http_requests_in_progress", "demo_api_http_requests_in_progress"],
  ["avg_api_request_duration", "rate(demo_api_request_duration_seconds_sum[5m]) / rate(demo_api_request_duration_seconds_count[5m])"],
  ["cpu_usage_rate", "rate(demo_cpu_usage_seconds_total[5m])"],
  ["demo_memory_usage_bytes", "demo_memory_usage_bytes"],
  ["demo_batch_last_run_duration_seconds", "demo_batch_last_run_duration_seconds"],
  ["demo_disk_usage_bytes", "demo_disk_usage_bytes"],
  ["demo_disk_total_bytes", "demo_disk_total_bytes"],
  ["items_shipped_rate", "rate(demo_items_shipped_total[5m])"],
  ["demo_intermittent_metric", "demo_intermittent_metric"],
  ["demo_is_holiday", "demo_is_holiday"],
];

interface Sample {
  metric?: Record<string, string>;
  value?: [number, string];
}

export async function ingest({ env, http }: IngestArgs): Promise<IngestRow[]> {
  const base = (env.ANOMSTACK_EXAMPLE_PROMETHEUS_URL || DEFAULT_URL).replace(/\/+$/, "");
  const rows = await http.each(
    QUERIES,
    ([label]) => `query ${label}`,
    async ([label, promql]) => {
      const url = `${base}/api/v1/query?${new URLSearchParams({ query: promql })}`;
      const answer = (await http.json(url)) as { status?: unknown; error?: unknown; data?: { result?: unknown } } | null;
      if (answer?.status !== "success" || !Array.isArray(answer.data?.result)) {
        throw http.malformed(url, `expected status "success" with data.result${answer?.error ? ` (Prometheus says: ${String(answer.error)})` : ""}`);
      }
      const out: IngestRow[] = [];
      for (const s of answer.data.result as Sample[]) {
        if (!Array.isArray(s?.value) || s.value.length !== 2) continue;
        const value = Number(s.value[1]);
        if (!Number.isFinite(value)) continue; // NaN / Inf (e.g. a rate over no requests)
        const instance = s.metric?.instance;
        out.push({
          metric_timestamp: new Date(Math.floor(Number(s.value[0])) * 1000),
          metric_name: instance ? `${label}.${instance.replaceAll(":", "_")}` : label,
          metric_value: value,
        });
      }
      return out;
    },
  );
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = `${(r.metric_timestamp as Date).getTime()}|${r.metric_name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
