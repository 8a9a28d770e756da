// Ingest of the netdata_httpcheck example: Netdata's httpcheck collector on two demo servers measures the
// response time of Netdata's demo sites; the last 2 minutes' average of each chart's dimensions becomes a
// metric named as the original did: "<host>.my-netdata.io.<chart>.<dimension>" without "my-netdata.io",
// with . - ( ) turned into _, "__" into "_", "CloudFlare" into "cf", lower case.
import type { IngestArgs, IngestRow } from "../../../f/anomstack/core/batch-api.ts";

/** `{host}` is replaced by each host name. */
const DEFAULT_URL = "https://{host}.my-netdata.io";
const site = (city: string) => `httpcheck_${city}_Demo_Site_(CloudFlare).response_time`;
export const CHECKS: readonly [string, string][] = [
  ["london", site("San_Francisco")],
  ["london", site("Frankfurt")],
  ["london", site("Toronto")],
  ["london", site("New_York")],
  ["london", site("Bangalore")],
  ["london", site("Singapore")],
  ["sanfrancisco", site("London")],
];

/** The original's metric name for a host, chart and dimension. */
export function metricName(host: string, chart: string, dimension: string): string {
  return `${host}.my-netdata.io.${chart}.${dimension}`
    .replaceAll("my-netdata.io", "")
    .replace(/[.\-()]/g, "_")
    .replaceAll("__", "_")
    .replaceAll("CloudFlare", "cf")
    .toLowerCase();
}

export async function ingest({ now, env, http }: IngestArgs): Promise<IngestRow[]> {
  const template = (env.ANOMSTACK_EXAMPLE_NETDATA_HTTPCHECK_URL || DEFAULT_URL).replace(/\/+$/, "");
  return http.each(
    CHECKS,
    ([host, chart]) => `${host} ${chart}`,
    async ([host, chart]) => {
      const url = `${template.replaceAll("{host}", host)}/api/v1/data?${new URLSearchParams({ chart, after: "-120", before: "0", points: "1", format: "csv" })}`;
      const lines = (await http.text(url)).body.split(/\r?\n/).filter((l) => l.trim() !== "");
      if (lines.length < 2) throw http.malformed(url, "expected CSV with a header and one row");
      const columns = lines[0].split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
      const values = lines[1].split(",").map((v) => v.trim());
      const rows: IngestRow[] = [];
      columns.forEach((dim, i) => {
        const value = Number(values[i]);
        if (i === 0 || values[i] === undefined || values[i] === "" || !Number.isFinite(value)) return;
        rows.push({ metric_timestamp: now, metric_name: metricName(host, chart, dim), metric_value: value });
      });
      return rows;
    },
  );
}
