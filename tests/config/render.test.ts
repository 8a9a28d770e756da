// Tests of template rendering: includes from the metrics folder (with and without ./), the
// context (config + extra, `now` as UTC text), the SQL filters and TemplateError messages.
import { describe, expect, it } from "vitest";
import {
  TemplateError,
  loadBatch,
  renderString,
  renderTemplate,
  sqlIdent,
  sqlList,
  sqlStr,
  type BatchConfig,
} from "../../f/anomstack/config/index.ts";
import { caught, makeMetricsDir, writeBatch, writeFile } from "./helpers.ts";

const NOW = new Date("2024-03-05T07:08:09.999Z");

function setup(extra = ""): { dir: string; cfg: BatchConfig } {
  const dir = makeMetricsDir();
  writeBatch(dir, "b", extra);
  return { dir, cfg: loadBatch("b", { metricsDir: dir, env: {} }) };
}

describe("renderTemplate", () => {
  it("includes files from the metrics folder with and without ./", () => {
    const { dir, cfg } = setup();
    writeFile(dir, "defaults/sql/train.sql", "select {{ train_max_n }} from {{ table_key }} -- {% include 'examples/x/part.sql' %}");
    writeFile(dir, "examples/x/part.sql", "part of {{ metric_batch }}{% include './defaults/sql/tail.sql' %}");
    writeFile(dir, "defaults/sql/tail.sql", "!");
    expect(renderTemplate(cfg, "train_sql")).toBe("select 2500 from metrics -- part of b!");
  });

  it("re-reads included files on every render", () => {
    const { dir, cfg } = setup();
    writeFile(dir, "defaults/sql/train.sql", "v1");
    expect(renderTemplate(cfg, "train_sql")).toBe("v1");
    writeFile(dir, "defaults/sql/train.sql", "v2");
    expect(renderTemplate(cfg, "train_sql")).toBe("v2");
  });

  it("a template compiled once renders with each render's own context, and a broken source fails every time", () => {
    const a = setup();
    const b = setup("train_max_n: 9\n");
    const tpl = "{% from 'defaults/sql/m.sql' import q with context %}{{ q(names) }}";
    for (const { dir } of [a, b]) writeFile(dir, "defaults/sql/m.sql", "{% macro q(names) %}{{ train_max_n }}:{{ names | sql_list }}{% endmacro %}");
    expect(renderString(a.cfg, tpl, { names: ["x"] })).toBe("2500:'x'");
    expect(renderString(b.cfg, tpl, { names: ["y", "z"] })).toBe("9:'y', 'z'");
    expect(renderString(a.cfg, tpl, { names: ["w"] })).toBe("2500:'w'");
    for (const text of ["{{ a b }}", "ok", "{{ a b }}"]) {
      writeFile(a.dir, "defaults/sql/train.sql", text);
      if (text === "ok") expect(renderTemplate(a.cfg, "train_sql")).toBe("ok");
      else expect(() => renderTemplate(a.cfg, "train_sql")).toThrow("expected variable end (in defaults/sql/train.sql, line 1, column 6)");
    }
  });

  it("passes `now` as 'YYYY-MM-DD HH:MM:SS' UTC, lets extra win and supports `is defined`", () => {
    const { cfg } = setup();
    const tpl = "{{ now }}|{{ train_max_n }}|{% if cutoff_time is defined %}c{% else %}n{% endif %}|{{ alert_always }}";
    expect(renderString(cfg, tpl, { now: NOW, train_max_n: 7 })).toBe("2024-03-05 07:08:09|7|n|false");
    expect(renderString(cfg, "{{ now }} {{ cutoff_time }}", { now: "raw", cutoff_time: "2024-01-01" })).toBe("raw 2024-01-01");
  });

  it("fails on a name the template outputs but nothing defines, naming it, the batch and the key", () => {
    const { cfg } = setup('ingest_sql: "select {{ metric_batch | sql_str }} as b, {{ tabel_key }} as t"\n');
    expect(() => renderTemplate(cfg, "ingest_sql")).toThrow(
      "b.ingest_sql: template error: `tabel_key` is not set (neither the batch config nor the job gives it) or null (line 1, column 43)",
    );
  });

  it("does not escape HTML", () => {
    const { cfg } = setup("ingest_sql: select '<a>' & \"b\"\n");
    expect(renderTemplate(cfg, "ingest_sql")).toBe(`select '<a>' & "b"`);
  });

  it("renders exclude lists safely with the SQL filters", () => {
    const { cfg } = setup('train_exclude_metrics: [a, "it\'s"]\ntable_key: main.metrics\n');
    const tpl =
      "select * from {{ table_key | sql_ident }} where metric_batch = {{ metric_batch | sql_str }}{% if train_exclude_metrics %} and metric_name not in ({{ train_exclude_metrics | sql_list }}){% endif %}{% if score_exclude_metrics %} and x{% endif %}";
    expect(renderString(cfg, tpl)).toBe(`select * from "main"."metrics" where metric_batch = 'b' and metric_name not in ('a', 'it''s')`);
  });

  it("names batch, key and position in TemplateErrors", () => {
    const { dir, cfg } = setup('ingest_sql: "select 1\\n{% if %}"\n');
    const err = caught(() => renderTemplate(cfg, "ingest_sql"));
    expect(err).toBeInstanceOf(TemplateError);
    expect(err.message).toBe("b.ingest_sql: template error: unexpected token: %} (line 2, column 7)");
    expect(err).toMatchObject({ batch: "b", key: "ingest_sql", lineno: 2, colno: 7 });

    writeFile(dir, "defaults/sql/train.sql", "ok\n{{ a b }}");
    expect(caught(() => renderTemplate(cfg, "train_sql")).message).toBe(
      "b.train_sql: template error: expected variable end (in defaults/sql/train.sql, line 2, column 6)",
    );
    expect(caught(() => renderTemplate(cfg, "score_sql")).message).toBe(
      `b.score_sql: template error: template not found: "./defaults/sql/score.sql" (looked for ${dir}/defaults/sql/score.sql)`,
    );
    expect(caught(() => renderString(cfg, "{% include '../../etc/passwd' %}", {}, "custom")).message).toBe(
      `b.custom: template error: template "../../etc/passwd" is outside the metrics folder ${dir}`,
    );
    expect(caught(() => renderString(cfg, "{{ score_exclude_metrics | sql_list }}", {}, "q")).message).toBe(
      "b.q: template error: sql_list: expected a list, got undefined: `score_exclude_metrics` is not set (neither the batch config nor the job gives it)",
    );
    expect(caught(() => renderTemplate(cfg, "nope")).message).toBe("b.nope: template error: config key is not set");
    expect(caught(() => renderTemplate(cfg, "train_max_n")).message).toBe(
      "b.train_max_n: template error: config key is not a template string (got number)",
    );
  });
});

describe("SQL filters", () => {
  it("sql_str quotes and escapes", () => {
    expect(sqlStr("it's")).toBe("'it''s'");
    expect(sqlStr(3)).toBe("'3'");
    expect(() => sqlStr(null)).toThrow("sql_str: expected a string, got null");
  });

  it("sql_list quotes every item and refuses empty lists", () => {
    expect(sqlList(["a", "b'c"])).toBe("'a', 'b''c'");
    expect(() => sqlList([])).toThrow("sql_list: the list is empty; guard the clause with {% if <list> %} instead of rendering an empty list");
    expect(() => sqlList("a")).toThrow("sql_list: expected a list, got string");
  });

  it("sql_ident double-quotes each dotted part", () => {
    expect(sqlIdent("metrics")).toBe(`"metrics"`);
    expect(sqlIdent(`proj.data set.t"x`)).toBe(`"proj"."data set"."t""x"`);
    expect(() => sqlIdent("a..b")).toThrow(`sql_ident: invalid identifier "a..b" (empty part)`);
  });
});
