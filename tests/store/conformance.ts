// One conformance suite of metrics-store behaviours, run against every database (a shared function
// each store's test file calls, in the style of Hono's shared test suites): the table is created when
// missing, appends are idempotent, a failing transaction leaves what was stored, query values have the
// contract's types, timestamps are UTC, the delete template deletes, every default template renders in
// the store's dialect and returns the documented rows, and table keys of the wrong shape are refused.
// Exported so the stand-in stores of BigQuery and Snowflake run it too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBatch, renderTemplate, type BatchConfig } from "../../f/anomstack/config/index.ts";
import type { MetricRow, MetricType } from "../../f/anomstack/store/metric-row.ts";
import { StoreError, type MetricsStore } from "../../f/anomstack/store/metrics-store.ts";
import { REAL_METRICS_DIR } from "../config/helpers.ts";

export interface ConformanceTarget {
  /** The `db` of the batches (also names the describe block). */
  db: BatchConfig["db"];
  /** Open a store on `tableKey` (creating it when missing). Each call may open a new connection. */
  open(tableKey: string): Promise<MetricsStore>;
  /** A table key unique to this run, in the database's shape (e.g. `schema.t` or `dataset.t`). */
  freshTableKey(): string;
  /** Table keys the database refuses, each with the message's expected start. */
  badTableKeys: [key: string, message: string][];
  /** Whether timestamps keep milliseconds (ClickHouse 18.16's DateTime holds whole seconds). */
  subSecond?: boolean;
  /** Run before the suite (start or reach the server) and after it (drop what it made). */
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}

const T0 = Date.UTC(2024, 0, 1);
const at = (minute: number) => new Date(T0 + minute * 60_000);
const NOW = at(60 * 24); // 2024-01-02T00:00:00Z

function point(name: string, minute: number, value: number, type: MetricType = "metric", more: Partial<MetricRow> = {}): MetricRow {
  return { metric_timestamp: at(minute), metric_batch: "conf", metric_name: name, metric_type: type, metric_value: value, metadata: "", ...more };
}

/** Every stored row as "name type ISO value", sorted. */
async function dump(store: MetricsStore, table: string): Promise<string[]> {
  const rows = await store.query<{ metric_timestamp: Date; metric_name: string; metric_type: string; metric_value: number }>(
    `select metric_timestamp, metric_name, metric_type, metric_value from ${table} where metric_batch = 'conf'`,
  );
  return rows.map((r) => `${r.metric_name} ${r.metric_type} ${r.metric_timestamp.toISOString()} ${r.metric_value}`).sort();
}

export function runStoreConformance(target: ConformanceTarget): void {
  describe(`metrics store conformance: ${target.db}`, () => {
    const opened: MetricsStore[] = [];
    const open = async (tableKey: string) => {
      const s = await target.open(tableKey);
      opened.push(s);
      return s;
    };
    const quoted = (store: MetricsStore) =>
      store.tableKey
        .split(".")
        .map((p) => (target.db === "bigquery" ? `\`${p}\`` : `"${p}"`))
        .join(".");
    /** A batch of `db` on `tableKey` with the shipped defaults and small windows. */
    const batchOn = (tableKey: string, more: Partial<BatchConfig> = {}): BatchConfig => ({
      ...loadBatch("example_simple", { metricsDir: REAL_METRICS_DIR, env: {} }),
      metric_batch: "conf",
      db: target.db,
      table_key: tableKey,
      ...more,
    });

    beforeAll(async () => {
      await target.setup?.();
    });
    afterAll(async () => {
      for (const s of opened) await s.close().catch(() => undefined);
      await target.teardown?.();
    });

    it("creates the table when missing, and a second store of it sees what the first stored", async () => {
      const key = target.freshTableKey();
      const a = await open(key);
      expect(await dump(a, quoted(a))).toEqual([]);
      await a.append([point("m1", 1, 1)]);
      const b = await open(key);
      expect(await dump(b, quoted(b))).toEqual(["m1 metric 2024-01-01T00:01:00.000Z 1"]);
    });

    it("appends idempotently: a re-run, an overlapping run and duplicates within one call store each row once", async () => {
      const s = await open(target.freshTableKey());
      expect(await s.append([point("m1", 1, 1), point("m1", 2, 2), point("m2", 1, 5)])).toBe(3);
      expect(await s.append([point("m1", 1, 1), point("m1", 2, 2), point("m2", 1, 5)])).toBe(0);
      expect(await s.append([point("m1", 2, 99), point("m1", 3, 3)])).toBe(1);
      expect(await s.append([point("m3", 1, 7), point("m3", 1, 8)])).toBe(1);
      // the same point of another type or batch is another row
      expect(await s.append([point("m1", 1, 0.5, "score"), point("m1", 1, 1, "metric", { metric_batch: "other" })])).toBe(2);
      expect(await dump(s, quoted(s))).toEqual([
        "m1 metric 2024-01-01T00:01:00.000Z 1",
        "m1 metric 2024-01-01T00:02:00.000Z 2",
        "m1 metric 2024-01-01T00:03:00.000Z 3",
        "m1 score 2024-01-01T00:01:00.000Z 0.5",
        "m2 metric 2024-01-01T00:01:00.000Z 5",
        "m3 metric 2024-01-01T00:01:00.000Z 7",
      ]);
    });

    it("a transaction that throws leaves what was stored before it, stores none of its appends, and the store stays usable", async () => {
      const s = await open(target.freshTableKey());
      await s.append([point("m1", 1, 1)]);
      const err = await s
        .transaction(async () => {
          await s.append([point("m1", 2, 2)]);
          await s.append([point("m2", 2, 2)]);
          throw new Error("the job failed");
        })
        .catch((e) => e);
      expect(err.message).toBe("the job failed");
      expect(await dump(s, quoted(s))).toEqual(["m1 metric 2024-01-01T00:01:00.000Z 1"]);
      expect(await s.transaction(async () => s.append([point("m1", 3, 3)]))).toBe(1);
      expect(await dump(s, quoted(s))).toEqual(["m1 metric 2024-01-01T00:01:00.000Z 1", "m1 metric 2024-01-01T00:03:00.000Z 3"]);
    });

    it("rejects a row with a non-finite value or an invalid timestamp, naming it, and stores nothing of the call", async () => {
      const s = await open(target.freshTableKey());
      await expect(s.append([point("m1", 1, 1), point("bad", 2, Number.NaN)])).rejects.toThrow(
        new StoreError("row 1 (bad at 2024-01-01T00:02:00.000Z) has a non-finite value"),
      );
      await expect(s.append([point("m1", 1, 1), { ...point("bad", 2, 1), metric_timestamp: new Date(Number.NaN) }])).rejects.toThrow(
        new StoreError("row 1 (bad) has an invalid timestamp"),
      );
      expect(await dump(s, quoted(s))).toEqual([]);
    });

    it("query gives timestamps as Dates (UTC), numbers as numbers, text as text and a missing score as null", async () => {
      const s = await open(target.freshTableKey());
      const late = new Date(Date.UTC(2024, 0, 1, 23, 30, 15));
      await s.append([point("m1", 0, 2.5, "metric", { metric_timestamp: late, metadata: `{"a":"it's"}` })]);
      const cfg = batchOn(s.tableKey);
      const sql = renderTemplate(cfg, "score_sql", { now: NOW, score_history_n: 5 });
      const [r] = await s.query<Record<string, unknown>>(sql);
      expect(r).toEqual({ metric_timestamp: late, metric_name: "m1", metric_value: 2.5, metric_score: null });
      const [c] = await s.query<Record<string, unknown>>(
        `select count(*) as n, max(metric_timestamp) as latest, max(metadata) as md from ${quoted(s)} where metric_batch = 'conf'`,
      );
      expect(c).toEqual({ n: 1, latest: late, md: `{"a":"it's"}` });
    });

    it(target.subSecond === false ? "timestamps hold whole seconds: a point is its second" : "timestamps keep their milliseconds", async () => {
      const s = await open(target.freshTableKey());
      const t = new Date(Date.UTC(2024, 0, 1, 0, 0, 1, 250));
      await s.append([point("m1", 0, 1, "metric", { metric_timestamp: t })]);
      const [r] = await s.query<{ metric_timestamp: Date }>(`select metric_timestamp from ${quoted(s)}`);
      expect(r.metric_timestamp.toISOString()).toBe(target.subSecond === false ? "2024-01-01T00:00:01.000Z" : "2024-01-01T00:00:01.250Z");
    });

    it("the delete template deletes the batch's rows older than delete_after_n_days and reports how many", async () => {
      const s = await open(target.freshTableKey());
      await s.append([
        point("m1", 1, 1),
        point("m1", 60 * 24 - 1, 2),
        point("m1", 1, 0.5, "score"),
        point("m1", 1, 1, "metric", { metric_batch: "other" }),
      ]);
      // one day before 2024-01-02 23:30: the rows of 00:01 go, the one of 23:59 stays
      const cfg = batchOn(s.tableKey, { delete_after_n_days: 1 } as Partial<BatchConfig>);
      const sql = renderTemplate(cfg, "delete_sql", { now: at(60 * 24 * 2 - 30) });
      expect(await s.exec(sql)).toBe(2);
      const rows = await s.query<{ metric_batch: string; metric_value: number }>(
        `select metric_batch, metric_value from ${quoted(s)} order by metric_batch`,
      );
      expect(rows).toEqual([
        { metric_batch: "conf", metric_value: 2 },
        { metric_batch: "other", metric_value: 1 },
      ]);
    });

    describe("every default template, rendered in the store's dialect and run", () => {
      let s: MetricsStore;
      let cfg: BatchConfig;
      const run = (key: string, extra: Record<string, unknown> = {}) =>
        s.query<Record<string, unknown>>(renderTemplate(cfg, key, { now: NOW, ...extra }));
      const m = (minute: number) => at(60 * 24 - 10 + minute); // minutes 0..9 before now's last 10

      it("seeds two metrics: values, scores, and flags of every alert kind", async () => {
        s = await open(target.freshTableKey());
        cfg = batchOn(s.tableKey, {
          train_max_n: 4,
          score_max_n: 2,
          alert_max_n: 3,
          change_max_n: 3,
          change_smooth_n: 1, // no extra rows for the first levels: exactly the newest change_max_n
          tholdalert_recent_n: 1,
          tholdalert_snooze_n: 1,
          llmalert_prompt_max_n: 3,
        } as Partial<BatchConfig>);
        const rows: MetricRow[] = [];
        for (let i = 0; i < 6; i++) {
          rows.push({ ...point("m1", 0, i, "metric"), metric_timestamp: m(i) });
          rows.push({ ...point("m2", 0, 10 + i, "metric"), metric_timestamp: m(i) });
        }
        for (const i of [2, 3, 4]) rows.push({ ...point("m1", 0, i / 10, "score"), metric_timestamp: m(i) });
        rows.push({ ...point("m1", 0, 1, "alert"), metric_timestamp: m(4) });
        rows.push({ ...point("m1", 0, 1, "change"), metric_timestamp: m(5) });
        rows.push({ ...point("m2", 0, 1, "tholdalert"), metric_timestamp: m(5) });
        rows.push({ ...point("m1", 0, 1, "llmalert", { metadata: '{"anomaly_explanation":"x"}' }), metric_timestamp: m(3) });
        rows.push({ ...point("m1", 0, 1, "thumbsup"), metric_timestamp: m(4) });
        // another batch's rows and rows after now are never read
        rows.push({ ...point("m1", 0, 100, "metric", { metric_batch: "other" }), metric_timestamp: m(5) });
        rows.push({ ...point("m1", 0, 100, "metric"), metric_timestamp: at(60 * 24 + 5) });
        expect(await s.append(rows)).toBe(rows.length);
      });

      it("train: the newest train_max_n values per metric, oldest first", async () => {
        const got = await run("train_sql");
        expect(got.map((r) => [r.metric_name, (r.metric_timestamp as Date).getTime(), r.metric_value])).toEqual([
          ...[2, 3, 4, 5].map((i) => ["m1", m(i).getTime(), i]),
          ...[2, 3, 4, 5].map((i) => ["m2", m(i).getTime(), 10 + i]),
        ]);
      });

      it("score: the newest score_max_n + score_history_n values with their score or null", async () => {
        const got = await run("score_sql", { score_history_n: 1 });
        expect(got.filter((r) => r.metric_name === "m1").map((r) => [r.metric_value, r.metric_score])).toEqual([
          [3, 0.3],
          [4, 0.4],
          [5, null],
        ]);
      });

      it("alert: the newest alert_max_n scored points, with their alert flag", async () => {
        const got = await run("alert_sql");
        expect(got.map((r) => [r.metric_name, r.metric_value, r.metric_score, Number(r.metric_alert)])).toEqual([
          ["m1", 2, 0.2, 0],
          ["m1", 3, 0.3, 0],
          ["m1", 4, 0.4, 1],
        ]);
      });

      it("change, tholdalert, llmalert: the newest points with their flags", async () => {
        const change = await run("change_sql");
        expect(change.filter((r) => r.metric_name === "m1").map((r) => [r.metric_value, Number(r.metric_change)])).toEqual([
          [3, 0],
          [4, 0],
          [5, 1],
        ]);
        const thold = await run("tholdalert_sql");
        expect(thold.filter((r) => r.metric_name === "m2").map((r) => [r.metric_value, Number(r.metric_tholdalert)])).toEqual([
          [14, 0],
          [15, 1],
        ]);
        const llm = await run("llmalert_sql");
        expect(llm.filter((r) => r.metric_name === "m1").map((r) => [r.metric_value, r.metric_score, Number(r.metric_llmalert)])).toEqual([
          [3, 0.3, 1],
          [4, 0.4, 0],
          [5, null, 0],
        ]);
      });

      it("plot: the newest points of the listed metrics with every flag", async () => {
        const got = await run("plot_sql", { plot_metrics: ["m1"] });
        expect(
          got.map((r) => [
            r.metric_name,
            r.metric_value,
            r.metric_score,
            ...["metric_alert", "metric_change", "metric_tholdalert", "metric_llmalert"].map((k) => Number(r[k])),
          ]),
        ).toEqual([
          ["m1", 3, 0.3, 0, 0, 0, 1],
          ["m1", 4, 0.4, 1, 0, 0, 0],
          ["m1", 5, null, 0, 1, 0, 0],
        ]);
      });

      it("summary: per metric, its counts, scores and newest value", async () => {
        const got = await run("summary_sql");
        const pick = (r: Record<string, unknown>) => [
          r.metric_name,
          ...["n_points", "n_scores", "n_alerts", "n_changes", "n_tholdalerts", "n_llmalerts"].map((k) => Number(r[k])),
          r.mean_score === null ? null : Math.round(Number(r.mean_score) * 1000) / 1000,
          r.max_score,
          (r.last_timestamp as Date).getTime(),
          r.last_value,
        ];
        expect(got.map(pick)).toEqual([
          ["m1", 6, 3, 1, 1, 0, 1, 0.3, 0.4, m(5).getTime(), 5],
          ["m2", 6, 0, 0, 0, 1, 0, null, null, m(5).getTime(), 15],
        ]);
      });

      it("dashboard: the newest last_n points per metric with flags, feedback and the LLM explanation", async () => {
        const got = await run("dashboard_sql", { last_n: 2 });
        expect(
          got.map((r) => [
            r.metric_name,
            r.metric_value,
            Number(r.metric_alert),
            Number(r.metric_thumbsup),
            Number(r.metric_llmalert),
            r.metric_llmalert_metadata,
          ]),
        ).toEqual([
          ["m1", 4, 1, 1, 0, ""],
          ["m1", 5, 0, 0, 0, ""],
          ["m2", 14, 0, 0, 0, ""],
          ["m2", 15, 0, 0, 0, ""],
        ]);
        const since = await run("dashboard_sql", { cutoff_time: "2024-01-01 23:53:00" });
        expect(since.filter((r) => r.metric_name === "m1").map((r) => [r.metric_value, r.metric_llmalert_metadata])).toEqual([
          [3, '{"anomaly_explanation":"x"}'],
          [4, ""],
          [5, ""],
        ]);
      });
    });

    it("refuses table keys of the wrong shape with a StoreError naming the key and the shapes", async () => {
      for (const [key, message] of target.badTableKeys) {
        const err = await target.open(key).then(
          async (s) => {
            await s.close();
            return undefined;
          },
          (e) => e,
        );
        expect(err, key).toBeInstanceOf(StoreError);
        expect(err.message, key).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
      }
    });
  });
}
