// The default templates and the SQL filters in every dialect: what differs is rendered the dialect's
// way (timestamp literals, date arithmetic, epoch, quoting, LIMIT n BY instead of window functions on
// ClickHouse, no CTEs anywhere since ClickHouse 18.16 has none). Running the rendered SQL on each
// database is the conformance suite's part (tests/store/conformance.test.ts).
import { describe, expect, it } from "vitest";
import { DIALECTS, loadBatch, renderString, renderTemplate, sqlIdent, sqlList, sqlStr, type BatchConfig } from "../../f/anomstack/config/index.ts";
import { makeMetricsDir, writeBatch } from "./helpers.ts";
import { REAL_METRICS_DIR } from "./helpers.ts";

const NOW = new Date("2024-03-05T07:08:09Z");
const TEMPLATES = [
  "train_sql",
  "score_sql",
  "alert_sql",
  "change_sql",
  "tholdalert_sql",
  "llmalert_sql",
  "plot_sql",
  "summary_sql",
  "dashboard_sql",
  "delete_sql",
];

function batch(db: string): BatchConfig {
  const cfg = loadBatch("example_simple", { metricsDir: REAL_METRICS_DIR, env: {} });
  return { ...cfg, db: db as BatchConfig["db"] };
}

function render(db: string, template: string, extra: Record<string, unknown> = {}): string {
  return renderString(batch(db), template, { now: NOW, ...extra });
}

describe("the SQL filters quote for the batch's dialect", () => {
  it("sql_str doubles quotes, and also escapes backslashes where they escape (ClickHouse, BigQuery, Snowflake)", () => {
    for (const d of ["duckdb", "postgres", "sqlite"] as const) expect(sqlStr("it's a\\b", d)).toBe("'it''s a\\b'");
    for (const d of ["clickhouse", "bigquery", "snowflake"] as const) expect(sqlStr("it's a\\b", d)).toBe("'it\\'s a\\\\b'");
    expect(sqlList(["a'", "b\\"], "clickhouse")).toBe("'a\\'', 'b\\\\'");
    expect(sqlList(["a'", "b\\"], "postgres")).toBe("'a''', 'b\\'");
  });

  it("sql_ident double-quotes each part, with backticks on BigQuery", () => {
    expect(sqlIdent('proj.my data.t"x', "duckdb")).toBe('"proj"."my data"."t""x"');
    expect(sqlIdent("proj.dataset.t`x", "bigquery")).toBe("`proj`.`dataset`.`t\\`x`");
    expect(sqlIdent('db.t"x', "clickhouse")).toBe('"db"."t\\"x"');
    expect(sqlIdent("DB.SCHEMA.T", "snowflake")).toBe('"DB"."SCHEMA"."T"');
  });

  it("a user's ingest_sql renders with the filters of its db (motherduck is duckdb)", () => {
    const t = "select {{ now | sql_str }} as t, {{ 'o\\'k' | sql_str }} as s, x from {{ table_key | sql_ident }}";
    expect(render("clickhouse", t)).toBe(`select '2024-03-05 07:08:09' as t, 'o\\'k' as s, x from "metrics"`);
    expect(render("bigquery", t)).toBe("select '2024-03-05 07:08:09' as t, 'o\\'k' as s, x from `metrics`");
    expect(render("motherduck", t)).toBe(`select '2024-03-05 07:08:09' as t, 'o''k' as s, x from "metrics"`);
  });
});

describe("the default templates' macros per dialect", () => {
  const macro = (db: string, call: string) =>
    render(db, `{% from 'defaults/sql/macros.sql' import ts, days_ago, days_before, epoch, agg_where with context %}${call}`).trim();

  it("ts: a timestamp literal from UTC text", () => {
    expect(macro("duckdb", "{{ ts(now) }}")).toBe("cast('2024-03-05 07:08:09' as timestamp)");
    expect(macro("postgres", "{{ ts(now) }}")).toBe("cast('2024-03-05 07:08:09' as timestamp)");
    expect(macro("sqlite", "{{ ts(now) }}")).toBe("strftime('%Y-%m-%d %H:%M:%f', '2024-03-05 07:08:09')");
    expect(macro("clickhouse", "{{ ts(now) }}")).toBe("toDateTime('2024-03-05 07:08:09', 'UTC')");
    expect(macro("bigquery", "{{ ts(now) }}")).toBe("timestamp('2024-03-05 07:08:09')");
    expect(macro("snowflake", "{{ ts(now) }}")).toBe("to_timestamp_ntz('2024-03-05 07:08:09')");
  });

  it("days_ago / days_before: date arithmetic", () => {
    expect(macro("duckdb", "{{ days_before('x', 3) }}")).toBe("x - interval '3 day'");
    expect(macro("sqlite", "{{ days_before('x', 3) }}")).toBe("strftime('%Y-%m-%d %H:%M:%f', x, '-3 days')");
    expect(macro("clickhouse", "{{ days_before('x', 3) }}")).toBe("x - toIntervalDay(3)");
    expect(macro("bigquery", "{{ days_before('x', 3) }}")).toBe("timestamp_sub(x, interval 3 day)");
    expect(macro("snowflake", "{{ days_before('x', 3) }}")).toBe("dateadd(day, -3, x)");
    expect(macro("clickhouse", "{{ days_ago(2) }}")).toBe("toDateTime('2024-03-05 07:08:09', 'UTC') - toIntervalDay(2)");
  });

  it("epoch: seconds since 1970", () => {
    expect(DIALECTS.map((d) => macro(d, "{{ epoch('x') }}"))).toEqual([
      "epoch(x)",
      "extract(epoch from x)",
      "unixepoch(x, 'subsec')",
      "toUnixTimestamp(x)",
      "unix_millis(x) / 1000",
      "date_part(epoch_millisecond, x) / 1000",
    ]);
  });

  it("agg_where: FILTER where the dialect has it, CASE elsewhere", () => {
    expect(macro("sqlite", "{{ agg_where('max', 'v', 'k = 1') }}")).toBe("max(v) filter (where k = 1)");
    expect(macro("clickhouse", "{{ agg_where('max', 'v', 'k = 1') }}")).toBe("max(case when k = 1 then v end)");
    expect(macro("snowflake", "{{ agg_where('max', 'v', 'k = 1') }}")).toBe("max(case when k = 1 then v end)");
  });
});

describe("every default template in every dialect", () => {
  for (const db of [...DIALECTS, "motherduck"]) {
    it(`${db}: renders, without CTEs, with the dialect's timestamps and recency limit`, () => {
      const cfg = batch(db);
      for (const key of TEMPLATES) {
        const sql = renderTemplate(cfg, key, { now: NOW, score_history_n: 10, plot_metrics: ["m1"], cutoff_time: "2024-03-01 00:00:00" });
        expect(sql, key).not.toMatch(/^\s*with\s/im);
        expect(sql, key).not.toMatch(/\{\{|\{%/);
        if (db === "clickhouse") {
          expect(sql, key).not.toMatch(/\bover\s*\(/i);
          expect(sql, key).not.toMatch(/\bfilter\s*\(/i);
          expect(sql, key).not.toMatch(/cast\(/i);
          if (key !== "delete_sql") expect(sql, key).toMatch(/limit \d+ by metric_name/);
          expect(sql, key).toContain("toDateTime('2024-03-05 07:08:09', 'UTC')");
        } else if (key !== "delete_sql") {
          expect(sql, key).toMatch(/row_number\(\) over \(partition by newest_rows\.metric_name order by newest_rows\.metric_timestamp desc\)/);
        }
        if (db === "sqlite") expect(sql, key).toContain("strftime('%Y-%m-%d %H:%M:%f', '2024-03-05 07:08:09')");
        if (db === "bigquery") expect(sql, key).toContain("from `metrics`");
      }
    });
  }

  it("delete is an ALTER TABLE ... DELETE on ClickHouse (its only delete on 18.16)", () => {
    expect(renderTemplate(batch("clickhouse"), "delete_sql", { now: NOW })).toMatch(
      /^alter table "metrics" delete\nwhere metric_batch = 'example_simple'/m,
    );
    expect(renderTemplate(batch("postgres"), "delete_sql", { now: NOW })).toMatch(/^delete from "metrics"\nwhere metric_batch = 'example_simple'/m);
  });

  it("templates of a batch's own folder can branch on sql_dialect too", () => {
    const dir = makeMetricsDir();
    writeBatch(dir, "b", "db: sqlite\ningest_sql: \"select {% if sql_dialect == 'sqlite' %}datetime('now'){% else %}now(){% endif %} as t\"\n");
    const cfg = loadBatch("b", { metricsDir: dir, env: {} });
    expect(renderTemplate(cfg, "ingest_sql", { now: NOW })).toBe("select datetime('now') as t");
  });
});
