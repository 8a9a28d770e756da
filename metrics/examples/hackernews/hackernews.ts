// Ingest of the hackernews example: the min, max, mean and total score of the 10 top stories of Hacker
// News (its public Firebase API: topstories.json, then item/<id>.json per story). A story that cannot be
// fetched is left out with a warning; the mean is over the stories fetched.
import type { IngestArgs, IngestRow } from "../../../f/anomstack/core/batch-api.ts";

const TOP_N = 10;
const DEFAULT_URL = "https://hacker-news.firebaseio.com";

export async function ingest({ now, env, http }: IngestArgs): Promise<IngestRow[]> {
  const base = (env.ANOMSTACK_EXAMPLE_HACKERNEWS_URL || DEFAULT_URL).replace(/\/+$/, "");
  const listUrl = `${base}/v0/topstories.json`;
  const ids = await http.json(listUrl);
  if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id))) throw http.malformed(listUrl, "expected a list of story ids");
  if (ids.length === 0) throw http.malformed(listUrl, "no top stories");
  const top = ids.slice(0, TOP_N) as number[];
  const scores = await http.each(
    top,
    (id) => `story ${id}`,
    async (id) => {
      const url = `${base}/v0/item/${id}.json`;
      const story = await http.json(url);
      if (typeof story !== "object" || story === null) throw http.malformed(url, "expected a story object");
      const score = (story as { score?: unknown }).score;
      // A story without a score counts as 0, as in the original.
      return [typeof score === "number" && Number.isFinite(score) ? score : 0];
    },
  );
  const total = scores.reduce((a, b) => a + b, 0);
  const metric = (what: string, value: number): IngestRow => ({
    metric_timestamp: now,
    metric_name: `hn_top_${TOP_N}_${what}_score`,
    metric_value: value,
  });
  return [metric("min", Math.min(...scores)), metric("max", Math.max(...scores)), metric("avg", total / scores.length), metric("total", total)];
}
