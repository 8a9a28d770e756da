// Ingest of the posthog example: one HogQL query per PostHog project (POST /api/projects/<id>/query) for
// yesterday's events, distinct users and pageviews, as `ph.<domain>.<metric>`. The projects are the
// original's unless ANOMSTACK_EXAMPLE_POSTHOG_PROJECTS lists others ("<id>=<domain>,<id>=<domain>").
import type { IngestArgs, IngestRow } from "../../../f/anomstack/core/batch-api.ts";

const DEFAULT_HOST = "https://us.posthog.com";
/** The original's projects (project id → the domain in the metric names). */
const DEFAULT_PROJECTS: Record<string, string> = {
  "1016": "andrewm4894.com",
  "140227": "anomstack-demo",
  "112495": "andys-daily-factoids.com",
  "148051": "andys-daily-riddle.com",
};
export const METRICS = ["events_yday", "users_yday", "pageviews_yday"] as const;
export const HOGQL = `
  select count() as events_yday, count(distinct person_id) as users_yday, countIf(event = '$pageview') as pageviews_yday
  from events
  where timestamp >= toStartOfDay(now() - interval 1 day) and timestamp < toStartOfDay(now())`;

function projects(spec: string | undefined): [string, string][] {
  if (!spec) return Object.entries(DEFAULT_PROJECTS);
  return spec
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const [id, domain] = p.split("=").map((s) => s.trim());
      if (!/^\d+$/.test(id ?? "") || !domain) throw new Error(`ANOMSTACK_EXAMPLE_POSTHOG_PROJECTS: expected "<project id>=<domain>", got "${p}"`);
      return [id, domain] as [string, string];
    });
}

export async function ingest({ now, env, http }: IngestArgs): Promise<IngestRow[]> {
  const host = (env.ANOMSTACK_EXAMPLE_POSTHOG_URL || env.POSTHOG_HOST || DEFAULT_HOST).replace(/\/+$/, "");
  const headers = { Authorization: `Bearer ${env.POSTHOG_API_KEY}` };
  return http.each(
    projects(env.ANOMSTACK_EXAMPLE_POSTHOG_PROJECTS),
    ([id, domain]) => `project ${id} (${domain})`,
    async ([id, domain]) => {
      const url = `${host}/api/projects/${id}/query`;
      const answer = (await http.json(url, { headers, json: { query: { kind: "HogQLQuery", query: HOGQL } } })) as { results?: unknown } | null;
      const first = Array.isArray(answer?.results) ? answer.results[0] : undefined;
      if (first === undefined) throw http.malformed(url, "expected results with one row", "POST");
      // A row is a list in the columns' order (or, from some clients, an object by column name).
      const value = (i: number, name: string) => (Array.isArray(first) ? first[i] : (first as Record<string, unknown>)?.[name]);
      const rows: IngestRow[] = [];
      METRICS.forEach((m, i) => {
        const v = value(i, m);
        if (typeof v === "number" && Number.isFinite(v)) rows.push({ metric_timestamp: now, metric_name: `ph.${domain}.${m}`, metric_value: v });
      });
      return rows;
    },
  );
}
