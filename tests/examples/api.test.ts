// Every API example's ingest, run by the real ingest job against a local server replaying the example's
// recorded responses (fixtures/routes.json): the metric names and values it stores, and what it says
// when the API fails, rate-limits or answers with something else.
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { startReplay, exampleRoutes, type ReplayServer, type Route } from "./helpers/replay-server.ts";
import { byName, EXAMPLES_DIR, runExampleIngest } from "./helpers/run-example.ts";

const NOW = new Date("2024-03-06T10:30:00Z");
let server: ReplayServer | undefined;

async function replay(example: string, extra: Route[] = [], first: Route[] = []): Promise<ReplayServer> {
  server = await startReplay([...first, ...exampleRoutes(path.join(EXAMPLES_DIR, example)), ...extra]);
  return server;
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(async () => {
  await closeAllDuckdbInstances();
});

describe("hackernews", () => {
  it("stores min, max, mean and total of the 10 top stories' scores", async () => {
    const s = await replay("hackernews");
    const { result, rows } = await runExampleIngest("hackernews", NOW, { ANOMSTACK_EXAMPLE_HACKERNEWS_URL: s.url });
    expect(byName(rows)).toEqual({ hn_top_10_min_score: 22, hn_top_10_max_score: 812, hn_top_10_avg_score: 250, hn_top_10_total_score: 2500 });
    expect(rows.every((r) => r.metric_timestamp.getTime() === NOW.getTime())).toBe(true);
    expect(result.warnings).toEqual([]);
    // the top 10 only: story 41011 was never asked for
    expect(s.requests.map((r) => r.path)).not.toContain("/v0/item/41011.json");
  });

  it("leaves out a story that fails, and says when the story list is not what the API documents", async () => {
    const s = await replay("hackernews", [], [{ path: "/v0/item/41001.json", status: 500, body: "oops" }]);
    const { result, rows } = await runExampleIngest("hackernews", NOW, { ANOMSTACK_EXAMPLE_HACKERNEWS_URL: s.url });
    expect(byName(rows).hn_top_10_max_score).toBe(506);
    expect(result.warnings).toEqual([`source skipped: story 41001: GET ${s.url}/v0/item/41001.json: HTTP 500 Internal Server Error: oops`]);
    await s.close();
    const bad = await replay("hackernews", [], [{ path: "/v0/topstories.json", body: { error: "Permission denied" } }]);
    await expect(runExampleIngest("hackernews", NOW, { ANOMSTACK_EXAMPLE_HACKERNEWS_URL: bad.url })).rejects.toThrow(
      `hackernews ingest: ingest_fn hackernews.ts threw: GET ${bad.url}/v0/topstories.json: malformed response: expected a list of story ids`,
    );
  });
});

describe("weather", () => {
  it("stores 7 current variables of 12 cities from one request, skipping a null", async () => {
    const s = await replay("weather");
    const { rows } = await runExampleIngest("weather", NOW, { ANOMSTACK_EXAMPLE_WEATHER_URL: s.url });
    const got = byName(rows);
    expect(rows).toHaveLength(12 * 7 - 1);
    expect(got).toMatchObject({
      temp_dublin_temperature_2m: 8.4,
      temp_sydney_precipitation: 1.4,
      temp_cape_town_windspeed_10m: 25.4,
      temp_cape_town_uv_index: 4.4,
    });
    expect(got).not.toHaveProperty("temp_los_angeles_visibility");
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0].query.latitude.split(",")).toHaveLength(12);
  });

  it("says so when the API answers for fewer places than asked", async () => {
    const s = await replay("weather", [], [{ path: "/v1/forecast", body: [{ current: { temperature_2m: 1 } }] }]);
    await expect(runExampleIngest("weather", NOW, { ANOMSTACK_EXAMPLE_WEATHER_URL: s.url })).rejects.toThrow(
      /malformed response: expected 12 locations, got 1$/,
    );
  });
});

describe("yfinance", () => {
  const env = (url: string) => ({ ANOMSTACK_EXAMPLE_YFINANCE_URL: url, ANOMSTACK_EXAMPLE_YFINANCE_COOKIE_URL: `${url}/` });
  it("gets a cookie and a crumb, then one price per ticker", async () => {
    const s = await replay("yfinance");
    const { rows } = await runExampleIngest("yfinance", NOW, env(s.url));
    expect(rows).toHaveLength(22);
    expect(byName(rows)).toMatchObject({ yf_aapl_price: 169.12, yf_spy_price: 507.5, yf_qqq_price: 438.19 });
    const [, crumb, quote] = s.requests;
    expect(crumb.headers.cookie).toBe("A3=d=AQABBExample&S=AQAAAExample");
    expect(quote.query).toMatchObject({ crumb: "Xy7.Exampl3Crumb" });
    expect(quote.query.symbols.split(",")).toHaveLength(22);
  });

  it("reports Yahoo's rate limit with the URL, and no cookie as a malformed answer", async () => {
    const limited = await replay(
      "yfinance",
      [],
      [{ path: "/v1/test/getcrumb", status: 429, headers: { "retry-after": "60" }, body: "Too Many Requests" }],
    );
    await expect(runExampleIngest("yfinance", NOW, env(limited.url))).rejects.toThrow(
      `yfinance ingest: ingest_fn yfinance.ts threw: GET ${limited.url}/v1/test/getcrumb: rate limited (HTTP 429 Too Many Requests; retry after 60 s)`,
    );
    await limited.close();
    const noCookie = await replay("yfinance", [], [{ path: "/", status: 404, body: "Not Found" }]);
    await expect(runExampleIngest("yfinance", NOW, env(noCookie.url))).rejects.toThrow(
      `GET ${noCookie.url}/: malformed response: no cookie (Set-Cookie) in the answer`,
    );
  });
});

describe("coindesk", () => {
  it("stores the CURRENT_HOUR fields of both instruments at the tick's time", async () => {
    const s = await replay("coindesk");
    const { rows } = await runExampleIngest("coindesk", NOW, { ANOMSTACK_EXAMPLE_COINDESK_URL: s.url });
    expect(rows).toHaveLength(16);
    expect(rows.every((r) => r.metric_name.includes(".CURRENT_HOUR_"))).toBe(true);
    expect(byName(rows)).toMatchObject({ "coindesk.BTC-USD.CURRENT_HOUR_OPEN": 66120.01, "coindesk.ETH-USD.CURRENT_HOUR_VOLUME": 21877.093 });
    const btc = rows.find((r) => r.metric_name === "coindesk.BTC-USD.CURRENT_HOUR_HIGH")!;
    expect(btc.metric_timestamp.toISOString()).toBe("2024-03-06T10:30:07.000Z");
    expect(s.requests[0].headers.authorization).toBeUndefined();
  });

  it("reports the API's own error, and sends a key when one is set", async () => {
    const s = await replay(
      "coindesk",
      [],
      [{ path: "/index/cc/v1/latest/tick", status: 200, body: { Data: {}, Err: { type: 1, message: "You are over your rate limit" } } }],
    );
    await expect(runExampleIngest("coindesk", NOW, { ANOMSTACK_EXAMPLE_COINDESK_URL: s.url, ANOMSTACK_COINDESK_API_KEY: "k123" })).rejects.toThrow(
      'malformed response: the API reports an error: {"type":1,"message":"You are over your rate limit"}',
    );
    expect(s.requests[0].headers.authorization).toBe("Apikey k123");
  });
});

describe("currency", () => {
  it("stores 13 rates of each of 7 bases, dated by the answer", async () => {
    const s = await replay("currency");
    const { rows } = await runExampleIngest("currency", NOW, { ANOMSTACK_EXAMPLE_CURRENCY_URL: s.url });
    expect(rows).toHaveLength(7 * 13);
    expect(byName(rows)).toMatchObject({ eur_usd: 1.0868, usd_jpy: 149.32, usd_usd: 1, jpy_usd: 0.0067, cad_nzd: 1.209 });
    expect(byName(rows)).not.toHaveProperty("usd_btc");
    expect(new Set(rows.map((r) => r.metric_timestamp.toISOString()))).toEqual(new Set(["2024-03-06T00:00:00.000Z"]));
    expect(s.requests.map((r) => r.path)).toContain("/npm/@fawazahmed0/currency-api@2024-03-06/v1/currencies/eur.json");
  });

  it("leaves out a base whose file is missing, with a warning", async () => {
    const s = await replay(
      "currency",
      [],
      [{ path: "/npm/@fawazahmed0/currency-api@2024-03-06/v1/currencies/chf.json", status: 404, body: "Couldn't find the requested file" }],
    );
    const { rows, result } = await runExampleIngest("currency", NOW, { ANOMSTACK_EXAMPLE_CURRENCY_URL: s.url });
    expect(rows).toHaveLength(6 * 13);
    expect(result.warnings).toEqual([
      `source skipped: base chf: GET ${s.url}/npm/@fawazahmed0/currency-api@2024-03-06/v1/currencies/chf.json: HTTP 404 Not Found: Couldn't find the requested file`,
    ]);
  });
});

describe("earthquake", () => {
  it("counts the day's events with a magnitude and stores the max and mean", async () => {
    const s = await replay("earthquake");
    const { rows } = await runExampleIngest("earthquake", NOW, { ANOMSTACK_EXAMPLE_EARTHQUAKE_URL: s.url });
    expect(byName(rows)).toEqual({ earthquake_count_last_day: 9, earthquake_max_magnitude_last_day: 5.1, earthquake_avg_magnitude_last_day: 2.4444 });
  });

  it("stores zeros on a quiet day and refuses something that is not GeoJSON", async () => {
    const quiet = await replay(
      "earthquake",
      [],
      [{ path: "/earthquakes/feed/v1.0/summary/all_day.geojson", body: { type: "FeatureCollection", features: [] } }],
    );
    const { rows } = await runExampleIngest("earthquake", NOW, { ANOMSTACK_EXAMPLE_EARTHQUAKE_URL: quiet.url });
    expect(byName(rows)).toEqual({ earthquake_count_last_day: 0, earthquake_max_magnitude_last_day: 0, earthquake_avg_magnitude_last_day: 0 });
    await quiet.close();
    const html = await replay(
      "earthquake",
      [],
      [{ path: "/earthquakes/feed/v1.0/summary/all_day.geojson", body: "<html>Service Unavailable</html>" }],
    );
    await expect(runExampleIngest("earthquake", NOW, { ANOMSTACK_EXAMPLE_EARTHQUAKE_URL: html.url })).rejects.toThrow(
      'malformed response: not JSON (body starts with "<html>Service Unavailable</html>")',
    );
  });
});

describe("eirgrid", () => {
  it("stores the newest value of each area, at its Irish time as UTC", async () => {
    const s = await replay("eirgrid");
    const { rows } = await runExampleIngest("eirgrid", NOW, { ANOMSTACK_EXAMPLE_EIRGRID_URL: s.url });
    expect(byName(rows)).toEqual({ eirgrid_system_demand: 4388, eirgrid_gen_exp: 4620, eirgrid_wind_actual: 1590, eirgrid_frequency: 49.99 });
    expect(new Set(rows.map((r) => r.metric_timestamp.toISOString()))).toEqual(new Set(["2024-03-06T10:15:00.000Z"]));
    expect(s.requests[0].query).toMatchObject({ area: "demandactual", region: "ALL", datefrom: "06-Mar-2024 00:00", dateto: "06-Mar-2024 23:59" });
  });

  it("reads Irish summer time as UTC+1", async () => {
    const { irishToUtc } = await import("../../metrics/examples/eirgrid/eirgrid.ts");
    expect(new Date(irishToUtc(2024, 7, 1, 10, 15, 0)).toISOString()).toBe("2024-07-01T09:15:00.000Z");
    expect(new Date(irishToUtc(2024, 12, 1, 10, 15, 0)).toISOString()).toBe("2024-12-01T10:15:00.000Z");
  });
});

describe("github", () => {
  it("stores 5 numbers of each of 8 repositories", async () => {
    const s = await replay("github");
    const { rows } = await runExampleIngest("github", NOW, { ANOMSTACK_EXAMPLE_GITHUB_URL: s.url });
    expect(rows).toHaveLength(40);
    expect(byName(rows)).toMatchObject({
      "github.apache.spark.stargazers_count": 38650,
      "github.yzhao062.pyod.forks_count": 1350,
      "github.andrewm4894.anomstack.size": 58210,
    });
    expect(s.requests[0].headers.authorization).toBeUndefined();
  });

  it("reports GitHub's rate limit per repository, and fails when every repository is refused", async () => {
    const limit = {
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1709724600" },
      body: { message: "API rate limit exceeded" },
    };
    const one = await replay("github", [], [{ path: "/repos/apache/spark", ...limit }]);
    const { rows, result } = await runExampleIngest("github", NOW, { ANOMSTACK_EXAMPLE_GITHUB_URL: one.url, ANOMSTACK_GITHUB_TOKEN: "ghp_x" });
    expect(rows).toHaveLength(35);
    expect(result.warnings).toEqual([
      `source skipped: apache/spark: GET ${one.url}/repos/apache/spark: rate limited (HTTP 403 Forbidden; limit resets at 2024-03-06T11:30:00.000Z)`,
    ]);
    expect(one.requests[0].headers.authorization).toBe("Bearer ghp_x");
    await one.close();
    const all = await replay(
      "github",
      [],
      [
        { path: "/repos/andrewm4894/anomstack", ...limit },
        ...[
          "netdata/netdata",
          "tensorflow/tensorflow",
          "apache/spark",
          "apache/airflow",
          "stanfordnlp/dspy",
          "scikit-learn/scikit-learn",
          "yzhao062/pyod",
        ].map((r) => ({ path: `/repos/${r}`, status: 429, body: "slow down" })),
      ],
    );
    await expect(runExampleIngest("github", NOW, { ANOMSTACK_EXAMPLE_GITHUB_URL: all.url })).rejects.toThrow(
      /github ingest: ingest_fn github.ts threw: every source failed:\n {2}- andrewm4894\/anomstack: GET .*: rate limited \(HTTP 403/,
    );
  });
});

describe("iss_location", () => {
  it("stores latitude and longitude at the API's time", async () => {
    const s = await replay("iss_location");
    const { rows } = await runExampleIngest("iss_location", NOW, { ANOMSTACK_EXAMPLE_ISS_LOCATION_URL: s.url });
    expect(byName(rows)).toEqual({ iss_latitude: -41.7239, iss_longitude: 127.3095 });
    expect(rows[0].metric_timestamp.toISOString()).toBe("2024-03-06T10:29:10.000Z");
  });

  it("refuses an answer without a position", async () => {
    const s = await replay("iss_location", [], [{ path: "/iss-now.json", body: { message: "failure" } }]);
    await expect(runExampleIngest("iss_location", NOW, { ANOMSTACK_EXAMPLE_ISS_LOCATION_URL: s.url })).rejects.toThrow(
      `GET ${s.url}/iss-now.json: malformed response: expected {"message": "success"`,
    );
  });
});

describe("netdata", () => {
  it("stores every dimension of 4 charts of 3 hosts, leaving out a chart that fails", async () => {
    const s = await replay("netdata");
    const { rows, result } = await runExampleIngest("netdata", NOW, { ANOMSTACK_EXAMPLE_NETDATA_URL: `${s.url}/{host}` });
    expect(rows).toHaveLength(3 * 17 - 2);
    expect(byName(rows)).toMatchObject({
      london__system_cpu_user: 4.2714,
      bangalore__system_ram_cached: 2011,
      frankfurt__system_net_sent: -4455.1,
      london__system_io_out: -880.31,
    });
    expect(result.warnings).toEqual([
      `source skipped: frankfurt system.io: GET ${s.url}/frankfurt/api/v1/data?chart=system.io&after=-600&before=0&points=1&format=csv: HTTP 503 Service Unavailable: Service Unavailable`,
    ]);
  });
});

describe("netdata_httpcheck", () => {
  it("stores the response time of each check under the original's names", async () => {
    const s = await replay("netdata_httpcheck");
    const { rows } = await runExampleIngest("netdata_httpcheck", NOW, { ANOMSTACK_EXAMPLE_NETDATA_HTTPCHECK_URL: `${s.url}/{host}` });
    expect(rows).toHaveLength(7);
    expect(byName(rows)).toMatchObject({
      london_httpcheck_san_francisco_demo_site_cf_response_time_time: 142,
      london_httpcheck_new_york_demo_site_cf_response_time_time: 77,
      sanfrancisco_httpcheck_london_demo_site_cf_response_time_time: 139,
    });
  });
});

describe("prometheus", () => {
  it("stores each query's series per instance at the query's time, first of duplicates, no NaN", async () => {
    const s = await replay("prometheus");
    const { rows } = await runExampleIngest("prometheus", NOW, { ANOMSTACK_EXAMPLE_PROMETHEUS_URL: s.url });
    expect(byName(rows)).toEqual({
      "demo_api_http_requests_in_progress.demo-service-0_10000": 3,
      "demo_api_http_requests_in_progress.demo-service-1_10001": 1,
      "demo_api_http_requests_in_progress.demo-service-2_10002": 2,
      "avg_api_request_duration.demo-service-0_10000": 0.0712,
      "cpu_usage_rate.demo-service-0_10000": 0.5841,
      "cpu_usage_rate.demo-service-1_10001": 0.4402,
      "demo_memory_usage_bytes.demo-service-0_10000": 51234816,
      "demo_batch_last_run_duration_seconds.demo-service-2_10002": 31.42,
      "demo_disk_usage_bytes.demo-service-0_10000": 85899345920,
      "demo_disk_total_bytes.demo-service-0_10000": 214748364800,
      "items_shipped_rate.demo-service-1_10001": 5.2,
      "demo_is_holiday.demo-service-2_10002": 0,
    });
    expect(new Set(rows.map((r) => r.metric_timestamp.toISOString()))).toEqual(new Set(["2024-03-06T10:30:00.000Z"]));
    expect(s.requests).toHaveLength(10);
  });

  it("leaves out a query Prometheus refuses, with its error", async () => {
    const bad = {
      path: "/api/v1/query",
      query: { query: "demo_is_holiday" },
      status: 200,
      body: { status: "error", errorType: "bad_data", error: "parse error" },
    };
    const s = await replay("prometheus", [], [bad]);
    const { result } = await runExampleIngest("prometheus", NOW, { ANOMSTACK_EXAMPLE_PROMETHEUS_URL: s.url });
    expect(result.warnings).toEqual([
      `source skipped: query demo_is_holiday: GET ${s.url}/api/v1/query?query=demo_is_holiday: malformed response: expected status "success" with data.result (Prometheus says: parse error)`,
    ]);
  });
});

describe("posthog", () => {
  it("needs POSTHOG_API_KEY, and says so before asking anything (a config error: Windmill does not retry it)", async () => {
    const s = await replay("posthog");
    const failed = runExampleIngest("posthog", NOW, { ANOMSTACK_EXAMPLE_POSTHOG_URL: s.url });
    await expect(failed).rejects.toThrow("posthog ingest: needs POSTHOG_API_KEY (requires_env), not set in the environment or the settings resource");
    await expect(failed).rejects.toMatchObject({ name: "ConfigError" });
    expect(s.requests).toEqual([]);
  });

  it("runs one HogQL query per project and stores yesterday's events, users and pageviews", async () => {
    const s = await replay("posthog");
    const { rows } = await runExampleIngest("posthog", NOW, { ANOMSTACK_EXAMPLE_POSTHOG_URL: s.url, POSTHOG_API_KEY: "phx_test" });
    expect(rows).toHaveLength(12);
    expect(byName(rows)).toMatchObject({
      "ph.andrewm4894.com.events_yday": 1834,
      "ph.anomstack-demo.users_yday": 97,
      "ph.andys-daily-riddle.com.pageviews_yday": 190,
    });
    expect(s.requests[0]).toMatchObject({ method: "POST", path: "/api/projects/1016/query" });
    expect(s.requests[0].headers.authorization).toBe("Bearer phx_test");
    expect(JSON.parse(s.requests[0].body).query.kind).toBe("HogQLQuery");
  });

  it("takes its projects from ANOMSTACK_EXAMPLE_POSTHOG_PROJECTS", async () => {
    const s = await replay("posthog");
    const { rows } = await runExampleIngest("posthog", NOW, {
      ANOMSTACK_EXAMPLE_POSTHOG_URL: s.url,
      POSTHOG_API_KEY: "phx_test",
      ANOMSTACK_EXAMPLE_POSTHOG_PROJECTS: "112495=factoids",
    });
    expect(byName(rows)).toEqual({ "ph.factoids.events_yday": 642, "ph.factoids.users_yday": 155, "ph.factoids.pageviews_yday": 401 });
  });
});

describe("tomtom", () => {
  it("needs ANOMSTACK_TOMTOM_API_KEY", async () => {
    await expect(runExampleIngest("tomtom", NOW, {})).rejects.toThrow("tomtom ingest: needs ANOMSTACK_TOMTOM_API_KEY (requires_env)");
  });

  it("stores speed and travel time of 4 cities, never showing the key in an error", async () => {
    const s = await replay(
      "tomtom",
      [],
      [
        {
          path: "/traffic/services/4/flowSegmentData/relative0/10/json",
          query: { point: "52.41072,4.84239" },
          status: 403,
          body: "Developer Inactive",
        },
      ],
    );
    const { rows, result } = await runExampleIngest("tomtom", NOW, {
      ANOMSTACK_EXAMPLE_TOMTOM_URL: s.url,
      ANOMSTACK_TOMTOM_API_KEY: "tt-secret-key",
    });
    expect(byName(rows)).toEqual({
      tomtom_dublin_current_speed: 23,
      tomtom_dublin_current_travel_time: 95,
      tomtom_london_current_speed: 88,
      tomtom_london_current_travel_time: 140,
      tomtom_nyc_current_speed: 41,
      tomtom_nyc_current_travel_time: 188,
    });
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain("source skipped: amsterdam: GET ");
    expect(result.warnings[0]).toContain("key=***");
    expect(result.warnings[0]).not.toContain("tt-secret-key");
    expect(s.requests[1].query).toMatchObject({ key: "tt-secret-key", unit: "KMPH", openLr: "false" });
  });
});
