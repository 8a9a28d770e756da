// Bad input gets a clear error naming the batch, the job and what is wrong, and nothing stored is lost.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { ingestJob } from "../../f/anomstack/jobs/ingest.ts";
import { trainJob } from "../../f/anomstack/jobs/train.ts";
import { deleteJob } from "../../f/anomstack/jobs/delete.ts";
import { closeJobContext } from "../../f/anomstack/jobs/job-context.ts";
import { runStage } from "../../f/anomstack/stages/run-stage.ts";
import { memoryLogger } from "../../f/anomstack/core/log.ts";
import { makeWorkspace, seriesRows, storedRows, type Workspace } from "../helpers/workspace.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
let ws: Workspace;

beforeEach(() => {
  ws = makeWorkspace();
});
afterAll(async () => {
  await closeAllDuckdbInstances();
});

async function withStoredRow(name: string) {
  const ctx = await ws.open(name, NOW);
  await ctx.store.append(seriesRows(name, "kept", [1, 2, 3], new Date(NOW.getTime() - 3_600_000)));
  return ctx;
}

function fnBatch(name: string, body: string) {
  ws.writeFile(`${name}/ingest.ts`, body);
  ws.writeBatch(name, "ingest_fn: ingest.ts\n");
}

describe("ingest input", () => {
  it("rejects rows with the wrong columns, naming them, and keeps what was stored", async () => {
    fnBatch("cols", `export const ingest = () => [{ ts: 1, name: "x", value: 2 }];\n`);
    const ctx = await withStoredRow("cols");
    await expect(ingestJob(ctx)).rejects.toThrow(
      "cols ingest: ingest returned 1 invalid row(s):\n  row 0: missing column(s) metric_timestamp, metric_name, metric_value; got columns ts, name, value",
    );
    expect(await storedRows(ctx, "metric")).toHaveLength(3);
    await closeJobContext(ctx);
  });

  it("rejects non-numeric values and unparsable timestamps with the row and metric", async () => {
    fnBatch(
      "vals",
      `export const ingest = ({ now }) => [
         { metric_timestamp: now, metric_name: "ok", metric_value: 1 },
         { metric_timestamp: now, metric_name: "bad", metric_value: "high" },
         { metric_timestamp: "yesterday", metric_name: "when", metric_value: 2 },
       ];\n`,
    );
    const ctx = await withStoredRow("vals");
    await expect(ingestJob(ctx)).rejects.toThrow(
      'vals ingest: ingest returned 2 invalid row(s):\n  row 1 (bad): metric_value "high" is not a number\n  row 2 (when): metric_timestamp "yesterday" is not a valid timestamp',
    );
    expect(await storedRows(ctx, "metric")).toHaveLength(3);
    await closeJobContext(ctx);
  });

  it("drops NaN values with a warning, and stores nothing (a warning) when nothing is left", async () => {
    fnBatch(
      "nan",
      `export const ingest = ({ now }) => [{ metric_timestamp: now, metric_name: "m", metric_value: NaN }, { metric_timestamp: now, metric_name: "n", metric_value: 3 }];\n`,
    );
    const ctx = await ws.open("nan", NOW);
    const r = await ingestJob(ctx);
    expect(r.warnings).toEqual(["dropped 1 row(s) of m with a missing (null/NaN) metric_value"]);
    expect(r.rows).toBe(1);
    fnBatch("allnan", `export const ingest = ({ now }) => [{ metric_timestamp: now, metric_name: "m", metric_value: null }];\n`);
    const ctx2 = await ws.open("allnan", NOW);
    expect((await ingestJob(ctx2)).warnings).toEqual([
      "dropped 1 row(s) of m with a missing (null/NaN) metric_value",
      "ingest returned no usable rows: nothing stored in this window",
    ]);
    await closeJobContext(ctx);
    await closeJobContext(ctx2);
  });

  it("says so when the ingest returns nothing (a warning) or not an array (an error)", async () => {
    fnBatch("empty", "export const ingest = async () => [];\n");
    const ctx = await ws.open("empty", NOW);
    expect((await ingestJob(ctx)).warnings).toEqual(["ingest returned no rows: nothing new in this window"]);
    fnBatch("obj", "export const ingest = () => ({ rows: [] });\n");
    const ctx2 = await ws.open("obj", NOW);
    await expect(ingestJob(ctx2)).rejects.toThrow(
      "obj ingest: ingest must return an array of rows {metric_timestamp, metric_name, metric_value}, got an object",
    );
    await closeJobContext(ctx);
    await closeJobContext(ctx2);
  });

  it("reports an ingest function that throws or exports no ingest", async () => {
    fnBatch("boom", 'export function ingest() { throw new Error("API down"); }\n');
    const ctx = await ws.open("boom", NOW);
    await expect(ingestJob(ctx)).rejects.toThrow("boom ingest: ingest_fn ingest.ts threw: API down");
    fnBatch("noexport", "export const fetchRows = () => [];\n");
    const ctx2 = await ws.open("noexport", NOW);
    await expect(ingestJob(ctx2)).rejects.toThrow(/^noexport ingest: ingest_fn .*noexport\/ingest\.ts must export a function named "ingest"$/);
    await closeJobContext(ctx);
    await closeJobContext(ctx2);
  });
});

describe("SQL and templates", () => {
  it("shows the batch, the job and the rendered SQL when a query fails", async () => {
    ws.writeBatch("badsql", 'ingest_sql: "select * from no_such_table where t < {{ now | sql_str }}"\n');
    const ctx = await withStoredRow("badsql");
    const err = (await ingestJob(ctx).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/^badsql ingest: SQL failed: Catalog Error: Table with name no_such_table does not exist/);
    expect(err.message).toContain("--- rendered SQL ---\nselect * from no_such_table where t < '2026-03-01 12:00:00'\n---");
    expect(await storedRows(ctx, "metric")).toHaveLength(3);
    await closeJobContext(ctx);
  });

  it("names the batch, job and key of a template that fails to render", async () => {
    ws.writeBatch("badtpl", 'ingest_sql: select 1\ntrain_sql: "select {{ nope( }}"\n');
    const ctx = await withStoredRow("badtpl");
    await expect(trainJob(ctx)).rejects.toThrow(/^badtpl train: badtpl\.train_sql: .+/);
    await closeJobContext(ctx);
  });

  it("a failing delete deletes nothing", async () => {
    ws.writeBatch("baddel", "ingest_sql: select 1\ndelete_sql: \"delete from metrics where metric_batch = 'baddel'; select nope from nowhere\"\n");
    const ctx = await withStoredRow("baddel");
    await expect(deleteJob(ctx)).rejects.toThrow(/^baddel delete: SQL failed: /);
    expect(await storedRows(ctx, "metric")).toHaveLength(3);
    await closeJobContext(ctx);
  });

  it("names what is missing when a batch's database is not configured or not supported", async () => {
    ws.writeBatch("pg", "db: postgres\ningest_sql: select 1\n");
    await expect(ws.open("pg", NOW)).rejects.toThrow(
      "pg.db is postgres but no connection is configured: set ANOMSTACK_POSTGRES_URL, or ANOMSTACK_POSTGRES_HOST (with _PORT, _USER, _PASSWORD, _DATABASE), or a postgresql resource in the settings",
    );
    ws.writeBatch("lite", "db: sqlite\ningest_sql: select 1\n");
    await expect(ws.open("lite", NOW)).rejects.toThrow('lite.db: "sqlite" is not supported yet (supported: duckdb, postgres)');
  });
});

describe("disable flags", () => {
  it("honours disable_alert (the original checked disable_alerts) and every other disable_<job>", async () => {
    ws.writeBatch("off", "ingest_sql: select 1\ndisable_alert: true\ndisable_delete: true\n");
    const opts = { env: ws.env, now: NOW, log: memoryLogger() };
    expect(await runStage("alert", "off", opts)).toEqual({ job: "alert", batch: "off", status: "disabled", reason: "disable_alert is set" });
    expect(await runStage("delete", "off", opts)).toEqual({ job: "delete", batch: "off", status: "disabled", reason: "disable_delete is set" });
    expect(await runStage("tholdalert", "off", opts)).toMatchObject({ status: "disabled", reason: "disable_tholdalert is set" });
    expect(await runStage("change", "off", opts)).toMatchObject({ status: "ok", job: "change" });
  });
});
