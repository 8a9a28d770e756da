// `npm run bench:dashboard`: how fast a batch page of 50 metrics x 500 points becomes interactive in
// headless Chromium, end to end: the dashboard server serving a seeded DuckDB store, the page loading
// the app, the backend call (config, dashboard_sql, JSON), React and 50 uPlot charts drawn.
// Time to interactive = from navigation start until every chart is drawn and the page's main thread
// runs the next task (so an input would be handled). Also measured: a search keystroke until the
// filtered charts are on screen. `--json` prints one JSON object; `--runs N` sets the measured loads.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { launchChromium } from "../dashboard/browser.ts";
import { startDashboardServer } from "../dashboard/server.ts";
import { seedWorkspace } from "../dashboard/seed.ts";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    runs: { type: "string", default: "5" },
    metrics: { type: "string", default: "50" },
    points: { type: "string", default: "500" },
  },
});
const RUNS = Number(args.runs);
const METRICS = Number(args.metrics);
const POINTS = Number(args.points);

// Installed before the app runs: records when the charts in view are drawn, when the main thread is
// next free after that (interactive), when all charts are drawn, and the longest task.
const PROBE = (expected: number) => `
  (() => {
    const w = window;
    const b = (w.__bench = { longest: 0 });
    try {
      new PerformanceObserver((l) => { for (const e of l.getEntries()) b.longest = Math.max(b.longest, e.duration); }).observe({ type: "longtask", buffered: true });
    } catch {}
    const check = () => {
      const grid = document.querySelector('.grid[data-ready="yes"]');
      if (!grid) return;
      if (b.visible === undefined) {
        const cards = [...grid.querySelectorAll('.chart-card')].filter((c) => c.getBoundingClientRect().top < innerHeight);
        if (cards.length > 0 && cards.every((c) => c.querySelector('.chart[data-drawn]'))) {
          b.visible = performance.now();
          b.visibleCharts = cards.length;
          const ch = new MessageChannel();
          ch.port1.onmessage = () => { b.interactive = performance.now(); };
          ch.port2.postMessage(0);
        }
      }
      if (b.all === undefined && grid.querySelectorAll('.chart[data-drawn]').length >= ${expected}) b.all = performance.now();
    };
    new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
  })();
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-bench-dashboard-"));
const ws = await seedWorkspace(dir, [{ name: "bench", metrics: METRICS, points: POINTS, trouble: 0.4 }], new Date());
await closeAllDuckdbInstances();
Object.assign(process.env, ws.env);
const serverMs: number[] = [];
const server = await startDashboardServer({ port: 0, log: (l) => serverMs.push(Number(/ (\d+) ms$/.exec(l)?.[1] ?? 0)) });
const browser = await launchChromium();
const settings = JSON.stringify({ theme: "light", window: `${POINTS}n`, sort: "anomaly", size: "small" });
type Timing = { visible: number; visibleCharts: number; interactive: number; all: number; longest: number; data: number };
const loads: Timing[] = [];
const searches: number[] = [];
let apiMs = 0;
try {
  for (let run = 0; run <= RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, bypassCSP: true });
    await context.addInitScript(`try { localStorage.setItem("anomstack.dashboard.settings.v1", ${JSON.stringify(settings)}); } catch {}`);
    await context.addInitScript(PROBE(METRICS));
    const page = await context.newPage();
    const t0 = Date.now();
    await page.goto(`${server.url}#/batch/bench`);
    await page.waitForFunction("window.__bench.interactive !== undefined && window.__bench.all !== undefined", null, { timeout: 60_000 });
    const timing = (await page.evaluate("window.__bench")) as Timing;
    timing.data = (await page.evaluate(
      `performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/api/backend/batch")).map((e) => e.responseEnd)[0] ?? 0`,
    )) as number;
    const wall = Date.now() - t0;
    // A search keystroke: the filtered grid (metric_01 .. metric_09) is on screen.
    const s0 = (await page.evaluate("performance.now()")) as number;
    await page.fill('input[aria-label="Search metrics"]', "metric_0[1-9]$");
    await page.waitForFunction('document.querySelectorAll(".chart-card").length === 9');
    const s1 = (await page.evaluate("performance.now()")) as number;
    if (run === 0) {
      // the first load warms the server (module imports) and the browser; not counted
      apiMs = (await page.evaluate(`(async () => {
        const t = performance.now();
        const r = await fetch("api/backend/batch", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ batch: "bench", window: "${POINTS}n" }) });
        await r.json();
        return performance.now() - t;
      })()`)) as number;
      if (!args.json) process.stdout.write(`warm-up load: interactive at ${Math.round(timing.interactive)} ms (wall ${wall} ms)\n`);
    } else {
      loads.push(timing);
      searches.push(s1 - s0 - 120); // minus the search box's 120 ms debounce
    }
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

const result = {
  metrics: METRICS,
  points: POINTS,
  runs: RUNS,
  time_to_interactive_ms: Math.round(median(loads.map((l) => l.interactive))),
  time_to_interactive_max_ms: Math.round(Math.max(...loads.map((l) => l.interactive))),
  charts_in_view: loads[0]?.visibleCharts ?? 0,
  all_charts_drawn_ms: Math.round(median(loads.map((l) => l.all))),
  data_received_ms: Math.round(median(loads.map((l) => l.data))),
  longest_task_ms: Math.round(median(loads.map((l) => l.longest))),
  backend_call_ms: Math.round(apiMs),
  server_ms_during_loads: Math.round(median(serverMs.slice(2))), // after the warm-up's two calls
  search_update_ms: Math.round(median(searches)),
};
if (process.env.BENCH_DEBUG) process.stderr.write(`server call times: ${serverMs.join(", ")}\n`);
if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  process.stdout.write(
    `batch page, ${METRICS} metrics x ${POINTS} points, headless Chromium 1400x900, median of ${RUNS} loads:\n` +
      `  time to interactive ${result.time_to_interactive_ms} ms (max ${result.time_to_interactive_max_ms} ms): the ${result.charts_in_view} charts in view drawn, main thread free\n` +
      `  data received at ${result.data_received_ms} ms; all ${METRICS} charts drawn at ${result.all_charts_drawn_ms} ms; longest task ${result.longest_task_ms} ms\n` +
      `  backend call (dashboard_batch, warm) ${result.backend_call_ms} ms; search keystroke to filtered charts ${result.search_update_ms} ms (after the 120 ms debounce)\n`,
  );
}
