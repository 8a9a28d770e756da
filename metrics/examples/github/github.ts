// Ingest of the github example: headline numbers of 8 repositories from the GitHub REST API, as
// `github.<owner>.<repo>.<field>`. Unauthenticated by default, as in the original (60 requests an hour per
// IP address; a refusal is reported as "rate limited" with GitHub's reset time); ANOMSTACK_GITHUB_TOKEN,
// when set, is sent as a bearer token.
import type { IngestArgs, IngestRow } from "../../../f/anomstack/core/batch-api.ts";

const DEFAULT_URL = "https://api.github.com";
export const REPOS = [
  "andrewm4894/anomstack",
  "netdata/netdata",
  "tensorflow/tensorflow",
  "apache/spark",
  "apache/airflow",
  "stanfordnlp/dspy",
  "scikit-learn/scikit-learn",
  "yzhao062/pyod",
];
export const FIELDS = ["stargazers_count", "forks_count", "open_issues_count", "subscribers_count", "size"];

export async function ingest({ now, env, http }: IngestArgs): Promise<IngestRow[]> {
  const base = (env.ANOMSTACK_EXAMPLE_GITHUB_URL || DEFAULT_URL).replace(/\/+$/, "");
  const headers: Record<string, string> = { Accept: "application/vnd.github+json", "User-Agent": "anomstack-windmill-example" };
  if (env.ANOMSTACK_GITHUB_TOKEN) headers.Authorization = `Bearer ${env.ANOMSTACK_GITHUB_TOKEN}`;
  return http.each(
    REPOS,
    (repo) => repo,
    async (repo) => {
      const url = `${base}/repos/${repo}`;
      const data = (await http.json(url, { headers })) as Record<string, unknown> | null;
      if (typeof data !== "object" || data === null || typeof data.full_name !== "string") throw http.malformed(url, "expected a repository object");
      const rows: IngestRow[] = [];
      for (const field of FIELDS) {
        const value = data[field];
        if (typeof value === "number")
          rows.push({ metric_timestamp: now, metric_name: `github.${repo.replace("/", ".")}.${field}`, metric_value: value });
      }
      return rows;
    },
  );
}
