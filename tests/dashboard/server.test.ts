// `anomstack dashboard` as a user runs it (a real process on 127.0.0.1, random port, real DuckDB
// file): the page, the bundle with the local `./wmill` shim, backend calls routed to the scripts,
// HTTP errors for bad calls, the feedback row in the store, Host checks and the token.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnDashboard, type DashboardProcess } from "../../scripts/dashboard/browser.ts";
import { feedbackRows, liveNow, makeFixture, type Fixture } from "./fixture.ts";

let f: Fixture;
let open: DashboardProcess;
let guarded: DashboardProcess;

beforeAll(async () => {
  f = await makeFixture({ now: liveNow() }); // the server reads the clock
  [open, guarded] = await Promise.all([spawnDashboard(f.env, ["--quiet"]), spawnDashboard(f.env, ["--quiet", "--token", "s3cret"])]);
});
afterAll(async () => {
  await Promise.all([open?.stop(), guarded?.stop()]);
});

function call(base: string, id: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${base}api/backend/${id}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** A raw GET with any Host header (fetch does not let a caller set Host). */
function rawGet(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
  });
}

describe("anomstack dashboard (local server)", () => {
  it("listens on 127.0.0.1 and serves the app page, its bundle and a health check", async () => {
    expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(await (await fetch(`${open.url}health`)).json()).toEqual({ status: "ok", service: "anomstack-dashboard" });
    const page = await fetch(open.url);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    const html = await page.text();
    expect(html).toContain('<div id="root"></div>');
    expect(html).toContain('<script src="bundle.js"></script>');
    const js = await (await fetch(`${open.url}bundle.js`)).text();
    expect(js).toContain("Metric batches"); // the app's own code (Home.tsx)
    expect(js).toContain("api/backend/"); // the local ./wmill shim ...
    expect(js).not.toContain("parent.postMessage"); // ... instead of Windmill's
    expect(await (await fetch(`${open.url}bundle.css`)).text()).toContain(".uplot");
    expect((await fetch(`${open.url}nope`)).status).toBe(404);
  });

  it("routes backend calls to the scripts named in backend/*.yaml", async () => {
    const r = await call(open.url, "overview", { window: "90n" });
    expect(r.status).toBe(200);
    const { result } = (await r.json()) as { result: { window: string; batches: { batch: string }[]; hidden: string[] } };
    expect(result.window).toBe("90n");
    expect(result.batches.map((b) => b.batch)).toEqual(["shop", "empty_batch", "ops"]);
    expect(result.hidden).toEqual(["hidden"]);
    const b = await call(open.url, "batch", { batch: "shop", window: "3n" });
    expect(((await b.json()) as { result: { metrics: { name: string; t: number[] }[] } }).result.metrics.map((m) => [m.name, m.t.length])).toEqual([
      ["orders", 3],
      ["revenue", 3],
    ]);
  });

  it("stores feedback as a row of the metrics table", async () => {
    const ts = f.at(8).toISOString();
    const r = await call(open.url, "feedback", { batch: "shop", metric: "revenue", timestamp: ts, kind: "thumbsdown" });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      result: {
        stored: { metric_timestamp: ts, metric_batch: "shop", metric_name: "revenue", metric_type: "thumbsdown", metric_value: 1 },
        replaced: 0,
      },
    });
    expect(await feedbackRows(f, "shop", "revenue")).toEqual([{ metric_timestamp: ts, metric_type: "thumbsdown", metric_value: 1, metadata: "" }]);
  });

  it("answers a bad feedback request with 400 and a message naming the bad field", async () => {
    const ok = { batch: "shop", metric: "revenue", timestamp: f.at(8).toISOString(), kind: "thumbsup" };
    const between = new Date(f.at(8).getTime() + 300_000).toISOString();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ batch: "nope" }, "batch", 'batch: unknown batch "nope"; the dashboard shows "empty_batch", "ops", "shop"'],
      [{ metric: "sales" }, "metric", 'metric: batch "shop" has no metric "sales"'],
      [{ timestamp: "2024-13-45" }, "timestamp", 'timestamp: "2024-13-45" is not an ISO-8601 timestamp such as 2024-01-01T00:00:00Z'],
      [{ timestamp: between }, "timestamp", `timestamp: metric "revenue" of batch "shop" has no point at ${between}`],
      [{ kind: "thumbsleft" }, "kind", 'kind: expected "thumbsup" or "thumbsdown", got "thumbsleft"'],
    ];
    for (const [change, field, error] of cases) {
      const r = await call(open.url, "feedback", { ...ok, ...change });
      expect([r.status, await r.json()], field).toEqual([400, { error, field }]);
    }
    expect(await feedbackRows(f, "shop", "revenue")).toHaveLength(1); // only the row of the test above
  });

  it("rejects malformed calls", async () => {
    const status = async (r: Promise<Response>) => {
      const res = await r;
      return [res.status, ((await res.json()) as { error: string }).error];
    };
    expect(await status(call(open.url, "nope", {}))).toEqual([404, 'unknown runnable "nope"; the app has batch, feedback, overview']);
    expect(await status(call(open.url, "batch", { batch: "shop", colour: "red" }))).toEqual([
      400,
      "colour: unknown argument of f/anomstack/dashboard_batch (it takes batch, window, now)",
    ]);
    // the settings resource is a static field of the app: a caller cannot point the scripts at another store
    expect(await status(call(open.url, "batch", { batch: "shop", settings: { env: { ANOMSTACK_DUCKDB_PATH: "/tmp/x.duckdb" } } }))).toEqual([
      400,
      "settings: set by the app (a static field of batch), not by the caller",
    ]);
    expect(await status(call(open.url, "batch", "{not json"))).toEqual([400, "the request body is not valid JSON"]);
    expect(await status(call(open.url, "batch", [1, 2]))).toEqual([400, "the arguments must be a JSON object"]);
    expect(await status(call(open.url, "batch", {}, { "Content-Type": "text/plain" }))).toEqual([
      415,
      "send the arguments as JSON (Content-Type: application/json)",
    ]);
    expect(await status(fetch(`${open.url}api/backend/batch`))).toEqual([405, "use POST"]);
  });

  it("answers a 2 MB request with 413 (not a reset connection), and keeps serving", async () => {
    const huge = JSON.stringify({ batch: "shop", note: "x".repeat(2 * 1024 * 1024) });
    const r = await call(open.url, "feedback", huge);
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: string }).error).toBe("request body larger than 65536 bytes");
    // the same without a Content-Length (chunked): read, dropped, answered
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${open.url}api/backend/feedback`, { method: "POST", headers: { "Content-Type": "application/json" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      for (let i = 0; i < 32; i++) req.write("x".repeat(64 * 1024));
      req.end();
    });
    expect(chunked).toBe(413);
    expect((await fetch(`${open.url}health`)).status).toBe(200);
  });

  it("refuses requests for another host name (DNS rebinding)", async () => {
    expect(await rawGet(`${open.url}health`, "evil.example:80")).toBe(403);
    expect(await rawGet(`${open.url}health`, `localhost:${new URL(open.url).port}`)).toBe(200);
  });

  it("requires the token when one is set", async () => {
    expect((await fetch(guarded.url)).status).toBe(401);
    expect((await fetch(`${guarded.url}?token=wrong`, { redirect: "manual" })).status).toBe(401);
    const login = await fetch(`${guarded.url}?token=s3cret`, { redirect: "manual" });
    expect(login.status).toBe(302);
    const cookie = login.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^anomstack_dashboard_token=s3cret; HttpOnly; SameSite=Strict; Path=\//);
    expect((await fetch(guarded.url, { headers: { Cookie: cookie.split(";")[0] } })).status).toBe(200);
    expect((await call(guarded.url, "overview", {})).status).toBe(401);
    expect((await call(guarded.url, "overview", {}, { Authorization: "Bearer s3cret" })).status).toBe(200);
    expect((await call(guarded.url, "overview", {}, { Authorization: "Bearer nope" })).status).toBe(401);
  });

  it("does not listen on another address without a token", async () => {
    await expect(spawnDashboard(f.env, ["--host", "0.0.0.0"])).rejects.toThrow(/refusing to serve the dashboard on 0\.0\.0\.0 without a token/);
  });
});
