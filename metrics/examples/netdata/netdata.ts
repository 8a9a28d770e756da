// Ingest of the netdata example: for each demo host and system chart, Netdata's average over the last 10
// minutes (one point, CSV), every dimension as `<host>__system_<chart>_<dimension>` (dots and dashes become
// underscores, as in the original). A host or chart that fails is left out with a warning.
import type { IngestArgs, IngestRow } from "../../../f/anomstack/core/batch-api.ts";

/** `{host}` is replaced by each host name. */
const DEFAULT_URL = "https://{host}.my-netdata.io";
export const HOSTS = ["london", "bangalore", "frankfurt"];
export const CHARTS = ["system.net", "system.cpu", "system.io", "system.ram"];

/** Header and first data row of Netdata's CSV (fields may be quoted). */
export function parseCsv(text: string): { columns: string[]; values: string[] } | undefined {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length < 2) return undefined;
  const split = (l: string) => l.split(",").map((f) => f.trim().replace(/^"(.*)"$/, "$1"));
  return { columns: split(lines[0]), values: split(lines[1]) };
}

export async function ingest({ now, env, http }: IngestArgs): Promise<IngestRow[]> {
  const template = (env.ANOMSTACK_EXAMPLE_NETDATA_URL || DEFAULT_URL).replace(/\/+$/, "");
  const sources = HOSTS.flatMap((host) => CHARTS.map((chart) => ({ host, chart })));
  return http.each(
    sources,
    (s) => `${s.host} ${s.chart}`,
    async ({ host, chart }) => {
      const url = `${template.replaceAll("{host}", host)}/api/v1/data?${new URLSearchParams({ chart, after: "-600", before: "0", points: "1", format: "csv" })}`;
      const csv = parseCsv((await http.text(url)).body);
      if (csv?.columns[0] !== "time") throw http.malformed(url, "expected CSV with a time column and one row");
      const rows: IngestRow[] = [];
      csv.columns.forEach((dim, i) => {
        const value = Number(csv.values[i]);
        if (i === 0 || csv.values[i] === undefined || csv.values[i] === "" || !Number.isFinite(value)) return;
        rows.push({ metric_timestamp: now, metric_name: `${host}__${`${chart}.${dim}`.replace(/[.-]/g, "_")}`, metric_value: value });
      });
      return rows;
    },
  );
}
