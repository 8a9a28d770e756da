// The dashboard reads each batch from its own store: a PostgreSQL batch's card and page come from
// PostgreSQL, beside a DuckDB batch; a batch whose database cannot be reached gets a card saying why
// while the others still show. Real PostgreSQL, real DuckDB file.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBatchView } from "../../f/anomstack/dashboard/batch.ts";
import { storeFeedback } from "../../f/anomstack/dashboard/feedback.ts";
import { loadOverview } from "../../f/anomstack/dashboard/overview.ts";
import { closeAllDuckdbInstances, openDuckdbStore } from "../../f/anomstack/store/duckdb/store.ts";
import { openPostgresStore } from "../../f/anomstack/store/postgres/store.ts";
import { PG_URL, requirePostgres } from "../helpers/services.ts";
import { makeWorkspace, noise, seriesRows, type Workspace } from "../helpers/workspace.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const SCHEMA = `anomstack_dash_${process.pid}_${Date.now()}`;
let ws: Workspace;

beforeAll(async () => {
  await requirePostgres();
  ws = makeWorkspace();
  ws.writeBatch("warehouse", `db: postgres\ntable_key: ${SCHEMA}.metrics\ningest_sql: select 1\n`);
  ws.writeBatch("local", "ingest_sql: select 1\n");
  const pgStore = await openPostgresStore({ connection: PG_URL, tableKey: `${SCHEMA}.metrics` });
  await pgStore.append([
    ...seriesRows(
      "warehouse",
      "orders",
      noise(30, 2).map((x) => 100 + x),
      NOW,
    ),
    ...seriesRows(
      "warehouse",
      "refunds",
      noise(30, 3).map((x) => 5 + x),
      NOW,
    ),
  ]);
  await pgStore.close();
  const duck = await openDuckdbStore({ path: ws.duckdbPath });
  await duck.append(seriesRows("local", "cpu", noise(30, 4), NOW));
  await closeAllDuckdbInstances();
});
afterAll(async () => {
  await closeAllDuckdbInstances();
  const c = new pg.Client(PG_URL);
  await c.connect();
  await c.query(`drop schema if exists "${SCHEMA}" cascade`);
  await c.end();
});

describe("the dashboard on a PostgreSQL batch", () => {
  it("shows the PostgreSQL batch's card and series from PostgreSQL, beside the DuckDB batch", async () => {
    const env = { ...ws.env, ANOMSTACK_POSTGRES_URL: PG_URL };
    const o = await loadOverview({ now: NOW.toISOString(), env });
    const cards = Object.fromEntries(o.batches.map((c) => [c.batch, c]));
    expect(cards.warehouse).toMatchObject({ metrics: 2, points: 60, latest: NOW.toISOString() });
    expect(cards.warehouse.error).toBeUndefined();
    expect(cards.local).toMatchObject({ metrics: 1, points: 30 });
    const view = await loadBatchView("warehouse", { now: NOW.toISOString(), env });
    expect(view.metrics.map((m) => m.name).sort()).toEqual(["orders", "refunds"]);
    expect(view.metrics[0].t).toHaveLength(30);
    expect(view.metrics[0].t.at(-1)).toBe(NOW.getTime());
    // Feedback on a PostgreSQL point is stored there.
    const r = await storeFeedback({ batch: "warehouse", metric: "orders", timestamp: NOW.toISOString(), kind: "thumbsup" }, { env });
    expect(r.stored).toMatchObject({ metric_timestamp: NOW.toISOString(), metric_type: "thumbsup" });
    const again = await loadBatchView("warehouse", { now: NOW.toISOString(), env });
    expect(again.metrics.find((m) => m.name === "orders")!.feedback).toEqual({ 29: "thumbsup" });
  });

  it("gives a batch whose database cannot be reached a card saying why; the other batch still shows", async () => {
    const o = await loadOverview({ now: NOW.toISOString(), env: ws.env }); // no PostgreSQL connection set
    const cards = Object.fromEntries(o.batches.map((c) => [c.batch, c]));
    expect(cards.warehouse.error).toMatch(/^warehouse\.db is postgres but no connection is configured/);
    expect(cards.warehouse.metrics).toBe(0);
    expect(cards.local).toMatchObject({ metrics: 1, points: 30 });
    expect(cards.local.error).toBeUndefined();
  });
});
