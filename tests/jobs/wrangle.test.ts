// Wrangling ingested rows: timestamp parsing, numeric coercion, numpy rounding, threshold metadata,
// dropped missing values, and errors that name the row, the metric and the value at fault.
import { describe, expect, it } from "vitest";
import { IngestDataError, parseTimestamp, wrangleIngested, wrangleIngestedColumns, type WrangleOptions } from "../../f/anomstack/jobs/wrangle.ts";

const T0 = Date.UTC(2024, 0, 1); // 2024-01-01T00:00:00Z = 1704067200000
const OPTS: WrangleOptions = { batch: "b", rounding: 4 };

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

/** The IngestDataError message of wrangling `data`. */
function errorOf(data: unknown, opts: WrangleOptions = OPTS): string {
  const e = thrown(() => wrangleIngested(data, opts));
  expect(e).toBeInstanceOf(IngestDataError);
  return e.message;
}

function ok(name: string, value: unknown, minute = 0, more: Record<string, unknown> = {}) {
  return { metric_timestamp: new Date(T0 + minute * 60_000), metric_name: name, metric_value: value, ...more };
}

/** [name, ISO time, value, metadata] of each wrangled row. */
function brief(data: unknown[], opts: WrangleOptions = OPTS) {
  return wrangleIngested(data, opts).rows.map((r) => [r.metric_name, r.metric_timestamp.toISOString(), r.metric_value, r.metadata]);
}

describe("parseTimestamp", () => {
  it("takes Dates, epoch milliseconds and bigints", () => {
    expect(parseTimestamp(new Date("2024-01-01T00:00:00Z"))).toBe(T0);
    expect(parseTimestamp(T0)).toBe(T0);
    expect(parseTimestamp(BigInt(T0))).toBe(T0);
    expect(parseTimestamp(0)).toBe(0);
  });

  it("reads ISO strings with Z or an offset, and zone-less strings as UTC", () => {
    expect(parseTimestamp("2024-01-01T00:00:00Z")).toBe(T0);
    expect(parseTimestamp("2024-01-01T02:00:00+02:00")).toBe(T0); // 02:00 at +2 h is 00:00 UTC
    expect(parseTimestamp("2023-12-31T19:00:00-05:00")).toBe(T0);
    expect(parseTimestamp("2024-01-01T05:30:00+0530")).toBe(T0);
    expect(parseTimestamp("2024-01-01 00:00:00")).toBe(T0);
    expect(parseTimestamp("2024-01-01T00:00:00")).toBe(T0);
    expect(parseTimestamp("2024-01-01 00:00")).toBe(T0);
    expect(parseTimestamp("2024-01-01")).toBe(T0);
    expect(parseTimestamp("  2024-01-01 00:00:00  ")).toBe(T0);
  });

  it("reads the hour-only offsets DuckDB and PostgreSQL print for timestamptz", () => {
    expect(parseTimestamp("2024-01-01 00:00:00+00")).toBe(T0);
    expect(parseTimestamp("2024-01-01 03:00:00+03")).toBe(T0);
    expect(parseTimestamp("2024-01-01 00:00:00.5-01")).toBe(T0 + 3_600_000 + 500);
  });

  it("keeps milliseconds and truncates longer fractions", () => {
    expect(parseTimestamp("2024-01-01 00:00:00.1")).toBe(T0 + 100);
    expect(parseTimestamp("2024-01-01 00:00:00.123")).toBe(T0 + 123);
    expect(parseTimestamp("2024-01-01T00:00:00.123456Z")).toBe(T0 + 123);
    expect(parseTimestamp("2024-01-01 00:00:00.999999999")).toBe(T0 + 999);
  });

  it("returns NaN for anything else", () => {
    for (const bad of ["yesterday", "1", "", "  ", "2024", "2024-01", "01/02/2024", "2024-01-01T00:00:00 UTC", "now"]) {
      expect(parseTimestamp(bad), JSON.stringify(bad)).toBeNaN();
    }
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, null, undefined, true, {}, [T0]]) {
      expect(parseTimestamp(bad), String(bad)).toBeNaN();
    }
    expect(parseTimestamp(new Date("nope"))).toBeNaN();
  });

  it("returns NaN for dates and times that do not exist instead of rolling them over", () => {
    for (const bad of [
      "2024-02-30",
      "2023-02-29 00:00:00",
      "2024-13-01",
      "2024-00-10",
      "2024-04-31T00:00:00Z",
      "2024-01-01T24:00:00Z",
      "2024-01-01 23:60:00",
      "2024-01-01 23:59:60",
      "2024-01-01T00:00:00+24:00",
      "2024-01-01T00:00:00+01:60",
    ]) {
      expect(parseTimestamp(bad), bad).toBeNaN();
    }
    expect(parseTimestamp("2024-02-29")).toBe(Date.UTC(2024, 1, 29)); // a leap day is real
    expect(parseTimestamp("2024-01-01 23:59:59")).toBe(T0 + 86_399_000);
    expect(new Date(parseTimestamp("0099-12-31")).getUTCFullYear()).toBe(99); // not 1999
  });

  it("returns NaN for epoch numbers outside the range of a Date", () => {
    expect(parseTimestamp(8.64e15)).toBe(8.64e15); // the largest valid Date
    expect(parseTimestamp(8.64e15 + 1)).toBeNaN();
    expect(parseTimestamp(1e20)).toBeNaN();
    expect(parseTimestamp(10n ** 20n)).toBeNaN();
  });
});

describe("wrangleIngested", () => {
  it("turns ingested rows into metric rows of the batch", () => {
    const got = wrangleIngested(
      [
        { metric_timestamp: "2024-01-01 00:00:00", metric_name: "cpu", metric_value: 0.12345 },
        { metric_timestamp: T0 + 60_000, metric_name: "cpu", metric_value: 2 },
        { metric_timestamp: new Date(T0), metric_name: "mem", metric_value: -7.5 },
      ],
      { batch: "sales", rounding: 4 },
    );
    expect(got).toEqual({
      rows: [
        // 0.12345·10⁴ = 1234.5 → half to even 1234 → 0.1234.
        { metric_timestamp: new Date(T0), metric_batch: "sales", metric_name: "cpu", metric_type: "metric", metric_value: 0.1234, metadata: "" },
        { metric_timestamp: new Date(T0 + 60_000), metric_batch: "sales", metric_name: "cpu", metric_type: "metric", metric_value: 2, metadata: "" },
        { metric_timestamp: new Date(T0), metric_batch: "sales", metric_name: "mem", metric_type: "metric", metric_value: -7.5, metadata: "" },
      ],
      warnings: [],
    });
  });

  it("rounds half to even like numpy", () => {
    const at = (rounding: number, values: number[]) =>
      wrangleIngested(
        values.map((v, i) => ok("x", v, i)),
        { batch: "b", rounding },
      ).rows.map((r) => r.metric_value);
    // rounding 0: 0.5 → 0, 1.5 → 2, 2.5 → 2, 3.5 → 4, -2.5 → -2, 2.6 → 3.
    expect(at(0, [0.5, 1.5, 2.5, 3.5, -2.5, 2.6])).toEqual([0, 2, 2, 4, -2, 3]);
    // rounding 2: 0.125·100 = 12.5 → 12; 1.005·100 = 100.49999999999999 → 100; 0.135·100 = 13.5 → 14.
    expect(at(2, [0.125, 1.005, 0.135])).toEqual([0.12, 1, 0.14]);
    // negative rounding keeps the value as is.
    expect(at(-1, [0.123456789])).toEqual([0.123456789]);
  });

  it("accepts numeric strings and bigints as values", () => {
    const got = brief([ok("a", "1.5", 0), ok("a", " 2 ", 1), ok("a", "1e3", 2), ok("a", "-.5", 3), ok("a", "+3.", 4), ok("a", 42n, 5)]);
    expect(got.map((r) => r[2])).toEqual([1.5, 2, 1000, -0.5, 3, 42]);
  });

  it("accepts upper- and mixed-case column names, metadata included", () => {
    const got = brief([
      { METRIC_TIMESTAMP: "2024-01-01", METRIC_NAME: "cpu", METRIC_VALUE: 1, METADATA: '{"src":"snowflake"}' },
      { Metric_Timestamp: T0, Metric_Name: "mem", Metric_Value: 2 },
      // The usual lower-case columns with an upper-case metadata column.
      { metric_timestamp: T0, metric_name: "disk", metric_value: 3, Metadata: "from a view" },
    ]);
    expect(got).toEqual([
      ["cpu", "2024-01-01T00:00:00.000Z", 1, '{"src":"snowflake"}'],
      ["mem", "2024-01-01T00:00:00.000Z", 2, ""],
      ["disk", "2024-01-01T00:00:00.000Z", 3, "from a view"],
    ]);
  });

  it("ignores extra columns, including a metric_batch or metric_type of their own", () => {
    const got = wrangleIngested([ok("cpu", 1, 0, { metric_batch: "other", metric_type: "score", host: "h1" })], OPTS);
    expect(got.rows).toEqual([
      { metric_timestamp: new Date(T0), metric_batch: "b", metric_name: "cpu", metric_type: "metric", metric_value: 1, metadata: "" },
    ]);
  });

  it("stores a metric's threshold bounds in its metadata", () => {
    const opts = { ...OPTS, thresholds: { cpu: { upper: 12, lower: 0 }, disk: { upper: 90 } } };
    expect(brief([ok("cpu", 5), ok("mem", 5), ok("disk", 95)], opts).map((r) => [r[0], r[3]])).toEqual([
      ["cpu", '{"thresholds":{"upper":12,"lower":0}}'],
      ["mem", ""],
      ["disk", '{"thresholds":{"upper":90}}'],
    ]);
  });

  it("merges threshold bounds into the metadata the ingest gave", () => {
    const opts = { ...OPTS, thresholds: { cpu: { upper: 12, lower: 0 } } };
    const md = (metadata: unknown, o: WrangleOptions = opts) => wrangleIngested([ok("cpu", 1, 0, { metadata })], o).rows[0].metadata;
    expect(md('{"source":"api"}')).toBe('{"source":"api","thresholds":{"upper":12,"lower":0}}');
    expect(md({ source: "api", n: 2 })).toBe('{"source":"api","n":2,"thresholds":{"upper":12,"lower":0}}');
    // The configured bounds win over bounds the ingest wrote itself.
    expect(md('{"thresholds":{"upper":1}}')).toBe('{"thresholds":{"upper":12,"lower":0}}');
    // Free text and JSON scalars are kept under a key.
    expect(md("hello")).toBe('{"text":"hello","thresholds":{"upper":12,"lower":0}}');
    expect(md("42")).toBe('{"value":42,"thresholds":{"upper":12,"lower":0}}');
    expect(md(null)).toBe('{"thresholds":{"upper":12,"lower":0}}');
    expect(md("")).toBe('{"thresholds":{"upper":12,"lower":0}}');
  });

  it("keeps the metadata the ingest gave as is when there are no bounds to add", () => {
    const md = (metadata: unknown) => wrangleIngested([ok("cpu", 1, 0, { metadata })], OPTS).rows[0].metadata;
    expect(md("hello")).toBe("hello");
    expect(md('{"a": 1,  "b": [1, 2]}')).toBe('{"a": 1,  "b": [1, 2]}');
    expect(md("42")).toBe("42");
    expect(md("null")).toBe("null");
    expect(md({ a: 1 })).toBe('{"a":1}');
    expect(md(null)).toBe("");
    expect(md(undefined)).toBe("");
  });

  it("refuses metadata that is neither text nor an object, naming the row", () => {
    expect(errorOf([ok("cpu", 1), ok("cpu", 2, 1, { metadata: 5 })])).toBe("row 1: metadata must be a string or an object, got number 5");
  });

  it("drops rows with a missing value and warns, naming the metric and the count", () => {
    const got = wrangleIngested(
      [
        ok("cpu", null, 0),
        ok("cpu", Number.NaN, 1),
        ok("mem", "", 0),
        ok("cpu", 1, 2),
        ok("mem", "NaN", 1),
        ok("mem", 2, 2),
        ok("cpu", undefined, 3),
      ],
      OPTS,
    );
    expect(got.rows.map((r) => [r.metric_name, r.metric_value])).toEqual([
      ["cpu", 1],
      ["mem", 2],
    ]);
    expect(got.warnings).toEqual([
      "dropped 3 row(s) of cpu with a missing (null/NaN) metric_value",
      "dropped 2 row(s) of mem with a missing (null/NaN) metric_value",
    ]);
  });

  it("keeps nothing, with warnings, when every value is missing", () => {
    expect(wrangleIngested([ok("cpu", null), ok("cpu", Number.NaN, 1)], { batch: "b", rounding: 4 })).toEqual({
      rows: [],
      warnings: ["dropped 2 row(s) of cpu with a missing (null/NaN) metric_value", "ingest returned no usable rows: nothing stored in this window"],
    });
  });

  it("fails on anything but an array; an empty one is a warning", () => {
    const head = "ingest must return an array of rows {metric_timestamp, metric_name, metric_value}, got ";
    expect(errorOf({ rows: [] })).toBe(`${head}an object`);
    expect(errorOf("select 1")).toBe(`${head}"select 1"`);
    expect(errorOf(null)).toBe(`${head}null`);
    expect(errorOf(undefined)).toBe(`${head}undefined`);
    expect(errorOf(3)).toBe(`${head}number 3`);
    expect(wrangleIngested([], { batch: "b", rounding: 4 })).toEqual({ rows: [], warnings: ["ingest returned no rows: nothing new in this window"] });
  });

  it("names missing columns and the columns it got", () => {
    expect(errorOf([{ ts: T0, metric_name: "cpu", value: 1 }])).toBe(
      "ingest returned 1 invalid row(s):\n  row 0: missing column(s) metric_timestamp, metric_value; got columns ts, metric_name, value",
    );
    expect(errorOf([ok("cpu", 1), {}])).toBe(
      "ingest returned 1 invalid row(s):\n  row 1: missing column(s) metric_timestamp, metric_name, metric_value; got columns (none)",
    );
  });

  it("names the row, the metric and the value that is not a number", () => {
    expect(errorOf([ok("cpu", 1), ok("cpu", "abc", 1)])).toBe('ingest returned 1 invalid row(s):\n  row 1 (cpu): metric_value "abc" is not a number');
    expect(errorOf([ok("cpu", true)])).toBe("ingest returned 1 invalid row(s):\n  row 0 (cpu): metric_value boolean true is not a number");
    expect(errorOf([ok("cpu", Number.POSITIVE_INFINITY)])).toBe(
      "ingest returned 1 invalid row(s):\n  row 0 (cpu): metric_value number Infinity is not a number",
    );
    for (const s of ["0x10", "1,5", "Infinity", "12abc"]) {
      expect(errorOf([ok("cpu", s)])).toBe(`ingest returned 1 invalid row(s):\n  row 0 (cpu): metric_value "${s}" is not a number`);
    }
    expect(errorOf([ok("cpu", { v: 1 })])).toBe("ingest returned 1 invalid row(s):\n  row 0 (cpu): metric_value an object is not a number");
  });

  it("names the row and the metric of a timestamp it cannot read", () => {
    expect(errorOf([{ metric_timestamp: "yesterday", metric_name: "cpu", metric_value: 1 }])).toBe(
      'ingest returned 1 invalid row(s):\n  row 0 (cpu): metric_timestamp "yesterday" is not a valid timestamp',
    );
    expect(errorOf([{ metric_timestamp: new Date("x"), metric_name: "cpu", metric_value: 1 }])).toBe(
      "ingest returned 1 invalid row(s):\n  row 0 (cpu): metric_timestamp Date(Invalid) is not a valid timestamp",
    );
    expect(errorOf([{ metric_timestamp: null, metric_name: "cpu", metric_value: 1 }])).toBe(
      "ingest returned 1 invalid row(s):\n  row 0 (cpu): metric_timestamp null is not a valid timestamp",
    );
  });

  it("refuses empty or non-text metric names and rows that are not objects", () => {
    expect(errorOf([ok("", 1), ok("  ", 1), { metric_timestamp: T0, metric_name: 5, metric_value: 1 }, ok("cpu", 1), 7, [1, 2], null])).toBe(
      [
        "ingest returned 6 invalid row(s):",
        '  row 0: metric_name must be a non-empty string, got ""',
        '  row 1: metric_name must be a non-empty string, got "  "',
        "  row 2: metric_name must be a non-empty string, got number 5",
        "  row 4: expected an object, got number 7",
        "  row 5: expected an object, got an array",
        "  row 6: expected an object, got null",
      ].join("\n"),
    );
  });

  it("lists the first 10 bad rows and counts the rest", () => {
    const data = Array.from({ length: 13 }, (_, i) => ok(`m${i}`, i === 0 ? 1 : `bad${i}`, i));
    const lines = Array.from({ length: 10 }, (_, k) => `  row ${k + 1} (m${k + 1}): metric_value "bad${k + 1}" is not a number`);
    expect(errorOf(data)).toBe(["ingest returned 12 invalid row(s):", ...lines, "  ... and 2 more"].join("\n"));
    // Exactly 10 bad rows: no "more" line.
    expect(errorOf(data.slice(0, 11))).toBe(["ingest returned 10 invalid row(s):", ...lines].join("\n"));
  });

  it("truncates a long bad value in the message", () => {
    const long = "x".repeat(100);
    expect(errorOf([ok("cpu", long)])).toBe(`ingest returned 1 invalid row(s):\n  row 0 (cpu): metric_value "${"x".repeat(60)}…" is not a number`);
  });
});

describe("wrangleIngestedColumns", () => {
  /** A query result of `rows` (all with the same columns) given column by column, timestamps as epoch ms. */
  function asColumns(rows: Record<string, unknown>[]) {
    const columns: Record<string, unknown[]> = {};
    for (const k of Object.keys(rows[0] ?? {})) columns[k] = rows.map((r) => (r[k] instanceof Date ? (r[k] as Date).getTime() : r[k]));
    return { rowCount: rows.length, columns };
  }
  /** What either wrangle gives: rows as [ms, name, value, metadata] and warnings, or the error message. */
  function outcome(fn: () => { rows: [number, string, number, string][]; warnings: string[] }) {
    try {
      return fn();
    } catch (e) {
      return (e as Error).message;
    }
  }
  const cases: Record<string, Record<string, unknown>[]> = {
    "valid rows, rounded, a threshold's metadata": [ok("cpu", 1.23456), ok("mem", "7", 1), ok("cpu", 2n, 2)],
    "missing values dropped with a warning": [ok("cpu", null), ok("mem", Number.NaN, 1), ok("cpu", 3, 2), ok("cpu", "nan", 3)],
    "only missing values": [ok("cpu", null)],
    "invalid values, names and timestamps": [
      ok("cpu", "x"),
      ok("", 1),
      { ...ok("m", 1), metric_timestamp: "2024-02-30" },
      ok("ok", Number.POSITIVE_INFINITY),
    ],
    "upper-case columns": [{ METRIC_TIMESTAMP: T0, METRIC_NAME: "cpu", METRIC_VALUE: 1, METADATA: "{}" }],
    "a missing column": [{ metric_timestamp: T0, metric_name: "cpu" }],
    "timestamps as text and epoch numbers": [
      { ...ok("cpu", 1), metric_timestamp: "2024-01-01 02:00:00+02" },
      { ...ok("cpu", 2), metric_timestamp: T0 + 60_000.7 },
      { ...ok("cpu", 3), metric_timestamp: 9e15 },
    ],
    "a timestamp in the future": [ok("cpu", 1, 120)],
  };
  const opts: WrangleOptions = { ...OPTS, thresholds: { cpu: { upper: 2 } }, latest: { ms: T0 + 60 * 60_000, why: "after now" } };
  for (const [name, rows] of Object.entries(cases)) {
    it(`checks a query's columns as wrangleIngested checks its rows: ${name}`, () => {
      const byRows = outcome(() => {
        const w = wrangleIngested(rows, opts);
        return { rows: w.rows.map((r) => [r.metric_timestamp.getTime(), r.metric_name, r.metric_value, r.metadata]), warnings: w.warnings };
      });
      const byColumns = outcome(() => {
        const { columns: c, warnings } = wrangleIngestedColumns(asColumns(rows), opts);
        return { rows: c.metric_timestamp.map((t, i) => [t, c.metric_name[i], c.metric_value[i], c.metadata[i]]), warnings };
      });
      expect(byColumns).toEqual(byRows);
    });
  }
  it("gives the empty-window warning for no rows", () => {
    expect(wrangleIngestedColumns({ rowCount: 0, columns: {} }, OPTS).warnings).toEqual(wrangleIngested([], OPTS).warnings);
  });
});
