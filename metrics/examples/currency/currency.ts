// Ingest of the currency example: for each base currency, the day's rates against 13 currencies from the
// free currency API of fawazahmed0 on jsDelivr (`@<YYYY-MM-DD>` = the run's UTC date), as `<base>_<target>`
// (a base's rate against itself, 1, is one of them), stamped with the date the answer gives.
import type { IngestArgs, IngestRow } from "../../../f/anomstack/core/batch-api.ts";

const DEFAULT_URL = "https://cdn.jsdelivr.net";
export const BASES = ["eur", "usd", "gbp", "jpy", "chf", "aud", "cad"];
export const TARGETS = ["usd", "gbp", "jpy", "chf", "aud", "cad", "rub", "inr", "brl", "zar", "cny", "sek", "nzd"];

export async function ingest({ now, env, http }: IngestArgs): Promise<IngestRow[]> {
  const base = (env.ANOMSTACK_EXAMPLE_CURRENCY_URL || DEFAULT_URL).replace(/\/+$/, "");
  const day = now.toISOString().slice(0, 10);
  return http.each(
    BASES,
    (b) => `base ${b}`,
    async (b) => {
      const url = `${base}/npm/@fawazahmed0/currency-api@${day}/v1/currencies/${b}.json`;
      const answer = (await http.json(url)) as Record<string, unknown> | null;
      const rates = answer?.[b];
      if (typeof rates !== "object" || rates === null) throw http.malformed(url, `expected "${b}": { <currency>: <rate> }`);
      const date = typeof answer?.date === "string" && /^\d{4}-\d{2}-\d{2}$/.test(answer.date) ? answer.date : day;
      const rows: IngestRow[] = [];
      for (const t of TARGETS) {
        const rate = (rates as Record<string, unknown>)[t];
        if (typeof rate === "number" && Number.isFinite(rate)) rows.push({ metric_timestamp: date, metric_name: `${b}_${t}`, metric_value: rate });
      }
      return rows;
    },
  );
}
