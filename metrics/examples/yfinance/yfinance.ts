// Ingest of the yfinance example: the regular-market price of 22 tickers from Yahoo Finance's quote API.
// Yahoo wants a session: a cookie (from fc.yahoo.com, which answers 404 with it), then a crumb for that
// cookie, then the quote request with both. Yahoo often answers 429 (rate limited): the error says so.
import type { IngestArgs, IngestRow } from "../../../f/anomstack/core/batch-api.ts";

const DEFAULT_URL = "https://query2.finance.yahoo.com";
const DEFAULT_COOKIE_URL = "https://fc.yahoo.com";
const HEADERS = { "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36" };

export const TICKERS = [
  "AAPL",
  "MSFT",
  "GOOG",
  "AMZN",
  "NVDA",
  "META",
  "TSLA",
  "NFLX",
  "AMD",
  "INTC",
  "ORCL",
  "IBM",
  "CRM",
  "ADBE",
  "PYPL",
  "UBER",
  "SHOP",
  "SNOW",
  "DDOG",
  "MDB",
  "SPY",
  "QQQ",
];

export async function ingest({ now, env, http }: IngestArgs): Promise<IngestRow[]> {
  const base = (env.ANOMSTACK_EXAMPLE_YFINANCE_URL || DEFAULT_URL).replace(/\/+$/, "");
  const cookieUrl = env.ANOMSTACK_EXAMPLE_YFINANCE_COOKIE_URL || DEFAULT_COOKIE_URL;

  const session = await http.text(cookieUrl, { headers: HEADERS, acceptStatus: [404] });
  const cookie = session.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  if (!cookie) throw http.malformed(cookieUrl, "no cookie (Set-Cookie) in the answer");

  const crumbUrl = `${base}/v1/test/getcrumb`;
  const crumb = (await http.text(crumbUrl, { headers: { ...HEADERS, Cookie: cookie } })).body.trim();
  if (!crumb || /[<{\s]/.test(crumb)) throw http.malformed(crumbUrl, `expected a crumb, got ${JSON.stringify(crumb.slice(0, 40))}`);

  const quoteUrl = `${base}/v7/finance/quote?${new URLSearchParams({ symbols: TICKERS.join(","), crumb })}`;
  const answer = (await http.json(quoteUrl, { headers: { ...HEADERS, Cookie: cookie } })) as {
    quoteResponse?: { result?: unknown; error?: unknown };
  } | null;
  const result = answer?.quoteResponse?.result;
  if (!Array.isArray(result)) throw http.malformed(quoteUrl, "expected quoteResponse.result to be a list");
  const rows: IngestRow[] = [];
  for (const q of result as { symbol?: unknown; regularMarketPrice?: unknown }[]) {
    if (typeof q?.symbol !== "string" || typeof q.regularMarketPrice !== "number") continue;
    rows.push({ metric_timestamp: now, metric_name: `yf_${q.symbol.toLowerCase()}_price`, metric_value: q.regularMarketPrice });
  }
  if (rows.length === 0) throw http.malformed(quoteUrl, "no quote with a regularMarketPrice");
  return rows;
}
