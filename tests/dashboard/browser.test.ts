// End to end in a real browser: Debian's Chromium (playwright-core) against `anomstack dashboard`
// serving a real DuckDB store. Home page, a batch, search, the window, dark mode, feedback (checked in
// the store) and the first-run message; screenshots go to $ANOMSTACK_SCREENSHOT_DIR (default
// tests/.tmp/screenshots).
import fs from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium, spawnDashboard, type DashboardProcess } from "../../scripts/dashboard/browser.ts";
import { REPO_DIR } from "../helpers/workspace.ts";
import { EXPLANATION, feedbackRows, liveNow, makeFixture, type Fixture } from "./fixture.ts";

// The browser tests need Chromium: without it they fail and say how to install it (CONTRIBUTING.md);
// `npm run test:unit` leaves them out.
if (!findChromium()) {
  throw new Error(
    "browser tests: Chromium not found (looked at $ANOMSTACK_CHROMIUM, /usr/bin/chromium, /usr/bin/chromium-browser); install it with `apt-get install -y chromium`",
  );
}
const SHOTS = process.env.ANOMSTACK_SCREENSHOT_DIR ?? path.join(REPO_DIR, "tests/.tmp/screenshots");

let f: Fixture;
let empty: Fixture;
let server: DashboardProcess;
let emptyServer: DashboardProcess;
let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const now = liveNow(); // the server reads the clock
  [f, empty] = await Promise.all([
    makeFixture({
      now,
      extra: [
        { name: "web_traffic", metrics: 12, points: 240, prefixes: ["requests", "latency_p95", "errors_5xx"], trouble: 0.6 },
        { name: "infra", metrics: 8, points: 240, prefixes: ["cpu", "memory", "queue_depth"], trouble: 0.1 },
      ],
    }),
    makeFixture({ now, empty: true }),
  ]);
  [server, emptyServer, browser] = await Promise.all([spawnDashboard(f.env, ["--quiet"]), spawnDashboard(empty.env, ["--quiet"]), launchChromium()]);
});

afterAll(async () => {
  await Promise.all([browser?.close(), server?.stop(), emptyServer?.stop()]);
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => {
    throw new Error(`page error: ${e.message}`);
  });
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
const texts = (page: Page, selector: string, attr: string) => page.locator(selector).evaluateAll((els, a) => els.map((e) => e.getAttribute(a)), attr);
const batchReady = (page: Page) => page.waitForSelector('[data-page="batch"][data-state="ready"]');
const isDark = async (page: Page) => ((await page.locator("html").getAttribute("class")) ?? "").split(" ").includes("dark");
const chartCount = (page: Page, n: number) => expect.poll(() => page.locator(".chart-card").count(), { timeout: 10_000 }).toBe(n);

describe("dashboard in Chromium", () => {
  it("home page: one card per batch, highest anomaly rate first, with stale and empty batches marked", async () => {
    const page = await newPage();
    await page.goto(server.url);
    await page.waitForSelector('[data-page="home"][data-state="ready"] .batch-card');
    const order = await texts(page, ".batch-card", "data-batch");
    expect(order[0]).toBe("shop"); // 10 % of its points flagged
    expect(new Set(order)).toEqual(new Set(["shop", "web_traffic", "infra", "ops", "empty_batch"]));
    const shop = page.locator('.batch-card[data-batch="shop"]');
    expect(await shop.locator('[data-stat="metrics"]').textContent()).toBe("2");
    expect(await shop.locator('[data-stat="anomaly-rate"]').textContent()).toBe("10.0%");
    expect(await shop.locator('[data-stat="alerts"]').textContent()).toBe("4");
    expect(await shop.locator('[data-stat="latest"]').textContent()).toMatch(/^Updated (just now|\d+ minutes? ago)$/);
    expect(await page.locator('.batch-card[data-batch="ops"] .badge.warn').textContent()).toBe("stale");
    expect(await page.locator('.batch-card[data-batch="empty_batch"] .card-foot').textContent()).toBe("No data yet");
    expect(await page.locator('[data-batch="hidden"]').count()).toBe(0);
    await shot(page, "home");
    await page.context().close();
  });

  it("batch page: a chart per metric with markers, the LLM explanation on hover, search and window", async () => {
    const page = await newPage();
    await page.goto(server.url);
    await page.click('.batch-card[data-batch="shop"]');
    await batchReady(page);
    expect(page.url()).toMatch(/#\/batch\/shop$/);
    await page.waitForSelector('.grid[data-complete="yes"] .chart[data-drawn] canvas');
    expect(await texts(page, ".chart-card", "data-metric")).toEqual(["orders", "revenue"]);
    expect(await page.locator('[data-testid="batch-status"]').textContent()).toMatch(/^2 of 2 metrics · window 90n · newest point/);

    // hover the orders chart at point 7 of 0..9, the LLM alert
    const over = (await page.locator('.chart-card[data-metric="orders"] .u-over').boundingBox())!;
    await page.mouse.move(over.x + (over.width * 7) / 9, over.y + over.height / 2);
    const tip = page.locator('.chart-card[data-metric="orders"] .chart-tip');
    await tip.waitFor({ state: "visible" });
    expect(await tip.textContent()).toContain(`LLM alert${EXPLANATION}`);
    await shot(page, "batch-hover");

    // search: a regular expression over metric names
    const search = page.locator('input[aria-label="Search metrics"]');
    await search.fill("^rev");
    await chartCount(page, 1);
    expect(await texts(page, ".chart-card", "data-metric")).toEqual(["revenue"]);
    await search.fill("orders|(");
    expect(await page.locator('[data-testid="search-error"]').textContent()).toMatch(/^Invalid search pattern: /);
    expect(await page.locator(".chart-card").count()).toBe(0);
    await search.fill("");
    await chartCount(page, 2);

    // window: the newest 3 points; only the LLM alert (point 7) is left in the anomaly count
    const windowBox = page.locator('input[aria-label="Window"]');
    await windowBox.fill("3n");
    await windowBox.press("Enter");
    await page.waitForSelector('[data-testid="batch-status"]:has-text("window 3n")');
    expect(await page.locator('a[role="tab"]:has-text("Anomalies")').textContent()).toBe("Anomalies (1)");
    await windowBox.fill("45m");
    await windowBox.press("Enter");
    await page.waitForSelector('[data-testid="batch-status"]:has-text("window 45m")');
    await windowBox.fill("soon");
    await windowBox.press("Enter");
    expect(await page.locator('[data-testid="window-error"]').textContent()).toBe("Use 90n (newest points), 45m, 24h or 7d");
    await windowBox.fill("90n");
    await windowBox.press("Enter");
    await page.waitForSelector('[data-testid="batch-status"]:has-text("window 90n")');
    await page.context().close();
  });

  it("dark mode: toggled, kept in this browser across reloads", async () => {
    const page = await newPage();
    await page.goto(`${server.url}#/batch/web_traffic`);
    await batchReady(page);
    await page.waitForSelector('.grid[data-complete="yes"]');
    await shot(page, "batch");
    expect(await isDark(page)).toBe(false);
    await page.click('[data-testid="theme-toggle"]');
    expect(await isDark(page)).toBe(true);
    await page.waitForSelector('.grid[data-complete="yes"] .chart[data-drawn]');
    await page.reload();
    await batchReady(page);
    await page.waitForSelector('.grid[data-complete="yes"] .chart[data-drawn]');
    expect(await isDark(page)).toBe(true);
    // (runs in the page: the window's getComputedStyle)
    expect(
      await page
        .locator("body")
        .evaluate(
          (b) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(b).backgroundColor,
        ),
    ).toBe("rgb(17, 18, 20)");
    await shot(page, "batch-dark");
    await page.context().close();
  });

  it("anomaly list: thumbs up stores a thumbsup row at the anomaly's timestamp", async () => {
    const page = await newPage();
    await page.goto(`${server.url}#/batch/shop/anomalies`);
    await batchReady(page);
    await page.waitForSelector(".anomaly-table");
    expect(await page.locator('[data-testid="anomaly-count"]').textContent()).toBe("Showing 1–2 of 2 anomalies");
    const ts7 = f.at(7).toISOString();
    const ts6 = f.at(6).toISOString();
    expect(await texts(page, ".anomaly-table tbody tr", "data-ts")).toEqual([ts7, ts6]); // newest first
    const llmRow = page.locator(`tr[data-ts="${ts7}"]`);
    expect(await llmRow.locator(".why").textContent()).toBe(EXPLANATION);
    // the feedback stored before shows
    expect(await page.locator(`tr[data-ts="${ts6}"] .thumb.down`).getAttribute("aria-pressed")).toBe("true");
    await llmRow.locator(".thumb.up").click();
    await page.waitForSelector(`tr[data-ts="${ts7}"] .thumb.up[aria-pressed="true"]`);
    expect(await feedbackRows(f, "shop", "orders")).toEqual([
      { metric_timestamp: ts6, metric_type: "thumbsdown", metric_value: 1, metadata: "" },
      { metric_timestamp: ts7, metric_type: "thumbsup", metric_value: 1, metadata: "" },
    ]);
    await shot(page, "anomalies");
    // changing one's mind replaces the row
    await llmRow.locator(".thumb.down").click();
    await page.waitForSelector(`tr[data-ts="${ts7}"] .thumb.down[aria-pressed="true"]`);
    expect((await feedbackRows(f, "shop", "orders")).map((r) => [r.metric_timestamp, r.metric_type])).toEqual([
      [ts6, "thumbsdown"],
      [ts7, "thumbsdown"],
    ]);
    await page.context().close();
  });

  it("an empty store shows how to get data, not an error", async () => {
    const page = await newPage();
    await page.goto(emptyServer.url);
    await page.waitForSelector('[data-page="home"][data-state="ready"]');
    const text = await page.locator('[data-testid="first-run"]').textContent();
    expect(text).toContain("No data yet");
    expect(text).toContain("npm start");
    expect(text).toContain("npx anomstack run --batch");
    expect(await page.locator('[role="alert"]').count()).toBe(0);
    await shot(page, "first-run");
    await page.goto(`${emptyServer.url}#/batch/shop`);
    await batchReady(page);
    expect(await page.locator('[data-testid="no-metrics"]').textContent()).toContain("No data for shop yet");
    await page.context().close();
  });
});
