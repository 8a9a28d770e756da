// The DuckDB metrics store on real files: table creation, idempotent appends (fast path and anti-join
// path), transactions, bad rows, query types, and the errors for unusable or locked files.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { closeAllDuckdbInstances, openDuckdbReader, openDuckdbStore } from "../../f/anomstack/store/duckdb/store.ts";
import { queryColumns, quoteTableKey } from "../../f/anomstack/store/metrics-store.ts";
import { StoreError, type MetricsStore } from "../../f/anomstack/store/metrics-store.ts";
import { iso, re, row, rows, tempDir } from "./helpers.ts";

const REPO_DIR = path.resolve(import.meta.dirname, "../..");

afterEach(async () => {
  await closeAllDuckdbInstances();
});

async function openIn(dir: string, tableKey?: string): Promise<MetricsStore> {
  return openDuckdbStore({ path: path.join(dir, "m.duckdb"), tableKey });
}

/** Every stored row as [name, ISO timestamp, value], sorted; `type`/`batch` added when not the defaults. */
async function dump(store: MetricsStore, table = "metrics"): Promise<(string | number)[][]> {
  const got = await store.query<{ metric_timestamp: Date; metric_batch: string; metric_name: string; metric_type: string; metric_value: number }>(
    `select * from ${table} order by metric_batch, metric_name, metric_type, metric_timestamp`,
  );
  return got.map((r) => {
    const out: (string | number)[] = [r.metric_name, r.metric_timestamp.toISOString(), r.metric_value];
    if (r.metric_type !== "metric") out.push(r.metric_type);
    if (r.metric_batch !== "b") out.push(`batch=${r.metric_batch}`);
    return out;
  });
}

async function count(store: MetricsStore, table = "metrics"): Promise<number> {
  const [{ n }] = await store.query<{ n: number }>(`select count(*) as n from ${table}`);
  return n;
}

/** Records the INSERT statement each append runs, to tell the fast path from the anti-join path. */
function watchInserts(store: MetricsStore): string[] {
  const inserts: string[] = [];
  const exec = store.exec.bind(store);
  vi.spyOn(store, "exec").mockImplementation(async (sql: string, params?: unknown[]) => {
    if (/^\s*INSERT INTO/i.test(sql)) inserts.push(sql);
    return exec(sql, params);
  });
  return inserts;
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

describe("openDuckdbStore", () => {
  it("creates the folder, the file and the documented table when the file is missing", async () => {
    const dir = tempDir();
    const file = path.join(dir, "deep", "er", "m.duckdb");
    expect(fs.existsSync(path.dirname(file))).toBe(false);
    const store = await openDuckdbStore({ path: file });
    expect(fs.statSync(file).isFile()).toBe(true);
    expect([store.dialect, store.location, store.tableKey]).toEqual(["duckdb", file, "metrics"]);
    const cols = await store.query(
      `select column_name, data_type, is_nullable, column_default from information_schema.columns
       where table_name = 'metrics' order by ordinal_position`,
    );
    expect(cols).toEqual([
      { column_name: "metric_timestamp", data_type: "TIMESTAMP", is_nullable: "NO", column_default: null },
      { column_name: "metric_batch", data_type: "VARCHAR", is_nullable: "NO", column_default: null },
      { column_name: "metric_name", data_type: "VARCHAR", is_nullable: "NO", column_default: null },
      { column_name: "metric_type", data_type: "VARCHAR", is_nullable: "NO", column_default: null },
      { column_name: "metric_value", data_type: "DOUBLE", is_nullable: "NO", column_default: null },
      { column_name: "metadata", data_type: "VARCHAR", is_nullable: "NO", column_default: "''" },
    ]);
    expect(await count(store)).toBe(0);
  });

  it("keeps the rows of an existing file and sees them from a second store of the same file", async () => {
    const dir = tempDir();
    const a = await openIn(dir);
    expect(
      await a.append(
        rows("cpu", [
          [0, 1],
          [1, 2],
        ]),
      ),
    ).toBe(2);
    await closeAllDuckdbInstances();
    const b = await openIn(dir);
    const c = await openIn(dir); // same process, same file: one shared DuckDB instance, no lock conflict
    expect(await c.append([row("cpu", 2, 3)])).toBe(1);
    expect(await dump(b)).toEqual([
      ["cpu", iso(0), 1],
      ["cpu", iso(1), 2],
      ["cpu", iso(2), 3],
    ]);
  });

  it("creates the schema of a schema.table key and keeps two table keys of one file apart", async () => {
    const dir = tempDir();
    const tmp = await openIn(dir, "tmp.metrics");
    const other = await openIn(dir, "my-metrics");
    const plain = await openIn(dir);
    expect(tmp.tableKey).toBe("tmp.metrics");
    const tables = await plain.query(`select table_schema, table_name from information_schema.tables order by table_schema, table_name`);
    expect(tables).toEqual([
      { table_schema: "main", table_name: "metrics" },
      { table_schema: "main", table_name: "my-metrics" },
      { table_schema: "tmp", table_name: "metrics" },
    ]);
    expect(
      await tmp.append(
        rows("a", [
          [0, 1],
          [1, 2],
        ]),
      ),
    ).toBe(2);
    expect(await other.append([row("b", 0, 5)])).toBe(1);
    // The same key in another table is not a duplicate.
    expect(await plain.append(rows("a", [[0, 1]]))).toBe(1);
    expect(await dump(plain, "tmp.metrics")).toEqual([
      ["a", iso(0), 1],
      ["a", iso(1), 2],
    ]);
    expect(await dump(plain, '"my-metrics"')).toEqual([["b", iso(0), 5]]);
    expect(await dump(plain)).toEqual([["a", iso(0), 1]]);
  });

  it("refuses table keys that are not table or schema.table", async () => {
    expect(quoteTableKey("tmp.metrics")).toBe('"tmp"."metrics"');
    expect(quoteTableKey('we"ird')).toBe('"we""ird"');
    for (const key of ["a.b.c", "a..b", ".metrics", ""]) {
      expect(() => quoteTableKey(key)).toThrow(new StoreError(`table_key "${key}" must be "table" or "schema.table" on duckdb`));
    }
    const dir = tempDir();
    const err = await rejection(openIn(dir, "x.y.z"));
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toBe('table_key "x.y.z" must be "table" or "schema.table" on duckdb');
    expect(fs.existsSync(path.join(dir, "m.duckdb"))).toBe(false); // refused before touching the file
  });

  it("gives every :memory: store its own database, even next to a failed open", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "afile"), "not a folder");
    // A failing open and a :memory: open started together, then a second :memory: store.
    const [bad, mem1] = await Promise.allSettled([
      openDuckdbStore({ path: path.join(dir, "afile", "x.duckdb") }),
      openDuckdbStore({ path: ":memory:" }),
    ]);
    expect(bad.status).toBe("rejected");
    if (mem1.status !== "fulfilled") throw mem1.reason;
    expect(await mem1.value.append([row("cpu", 0, 1)])).toBe(1);
    const mem2 = await openDuckdbStore({ path: ":memory:" });
    expect(await count(mem2)).toBe(0);
    expect(await count(mem1.value)).toBe(1);
  });

  it("throws a StoreError naming the path when the folder cannot be created", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "afile"), "a regular file");
    const file = path.join(dir, "afile", "x.duckdb");
    const err = await rejection(openDuckdbStore({ path: file }));
    expect(err).toBeInstanceOf(StoreError);
    // mkdir reports EEXIST or ENOTDIR for a path through a regular file, depending on the platform.
    expect(err.message).toMatch(
      new RegExp(`^cannot create the folder of DuckDB file ${re(file)}: (EEXIST|ENOTDIR): .*mkdir '${re(path.join(dir, "afile"))}'$`),
    );
  });

  it("throws a StoreError naming the path when the path is a folder or not a DuckDB file", async () => {
    const dir = tempDir();
    const folder = path.join(dir, "adir");
    fs.mkdirSync(folder);
    const e1 = await rejection(openDuckdbStore({ path: folder }));
    expect(e1).toBeInstanceOf(StoreError);
    expect(e1.message).toMatch(new RegExp(`^DuckDB file ${re(folder)} cannot be opened: .*Is a directory`));
    const text = path.join(dir, "notes.duckdb");
    fs.writeFileSync(text, "hello, I am not a database");
    const e2 = await rejection(openDuckdbStore({ path: text }));
    expect(e2).toBeInstanceOf(StoreError);
    expect(e2.message).toMatch(new RegExp(`^DuckDB file ${re(text)} cannot be opened: .*not a valid DuckDB database file`));
  });
});

describe("append", () => {
  it("inserts rows, returns how many, and reads them back exactly", async () => {
    const store = await openIn(tempDir());
    const input = [
      row("cpu", 0, 0.1 + 0.2),
      { ...row("cpu", 1, -3.25), metric_timestamp: new Date("2024-01-01T00:01:00.123Z") },
      row("cpu", 0, 0.75, { metric_type: "score" }),
      row("mem", 0, 1e12, { metric_batch: "other" }),
    ];
    expect(await store.append(input)).toBe(4);
    expect(await dump(store)).toEqual([
      ["cpu", iso(0), 0.30000000000000004],
      ["cpu", "2024-01-01T00:01:00.123Z", -3.25], // milliseconds survive
      ["cpu", iso(0), 0.75, "score"],
      ["mem", iso(0), 1e12, "batch=other"],
    ]);
    expect(await store.append([])).toBe(0);
  });

  it("is idempotent: appending the same rows again inserts 0 and changes nothing", async () => {
    const store = await openIn(tempDir());
    const input = [
      ...rows("cpu", [
        [0, 1],
        [1, 2],
        [2, 3],
      ]),
      ...rows("mem", [[0, 7]]),
    ];
    expect(await store.append(input)).toBe(4);
    expect(await store.append(input)).toBe(0);
    // Same key, different value or metadata: still the same row, so still skipped.
    expect(await store.append([row("cpu", 1, 99, { metadata: '{"x":1}' })])).toBe(0);
    expect(await count(store)).toBe(4);
    expect(await dump(store)).toEqual([
      ["cpu", iso(0), 1],
      ["cpu", iso(1), 2],
      ["cpu", iso(2), 3],
      ["mem", iso(0), 7],
    ]);
  });

  it("stores a row repeated within one call once, keeping the first", async () => {
    const store = await openIn(tempDir());
    const input = [row("cpu", 0, 1), row("cpu", 1, 2), row("cpu", 0, 5, { metadata: "later" }), row("cpu", 1, 2)];
    expect(await store.append(input)).toBe(2);
    expect(await dump(store)).toEqual([
      ["cpu", iso(0), 1],
      ["cpu", iso(1), 2],
    ]);
    expect(await store.query("select metadata from metrics")).toEqual([{ metadata: "" }, { metadata: "" }]);
  });

  it("inserts only the new rows of a call that overlaps stored ones (fast path, then anti-join path)", async () => {
    const store = await openIn(tempDir());
    const inserts = watchInserts(store);
    // 1) empty table: no stored row in range → fast path (no anti-join, no de-duplication).
    expect(
      await store.append(
        rows("cpu", [
          [0, 0],
          [1, 10],
          [2, 20],
        ]),
      ),
    ).toBe(3);
    // 2) strictly after the stored rows of the series → still the fast path.
    expect(
      await store.append(
        rows("cpu", [
          [3, 30],
          [4, 40],
        ]),
      ),
    ).toBe(2);
    // 3) minutes 3 and 4 are stored, 5 and 6 are new → anti-join path inserts 2.
    expect(
      await store.append(
        rows("cpu", [
          [3, 31],
          [4, 41],
          [5, 50],
          [6, 60],
        ]),
      ),
    ).toBe(2);
    // 4) a range that spans stored rows without hitting any (minute -1 and 7) → anti-join path, 2 inserted.
    expect(
      await store.append(
        rows("cpu", [
          [-1, -10],
          [7, 70],
        ]),
      ),
    ).toBe(2);
    // 5) the same minutes in another series of the same batch do not count as stored → fast path.
    expect(
      await store.append(
        rows(
          "cpu",
          [
            [0, 0.5],
            [1, 0.6],
          ],
          { metric_type: "score" },
        ),
      ),
    ).toBe(2);
    expect(inserts.map((sql) => [sql.includes("ANTI JOIN"), sql.includes("GROUP BY")])).toEqual([
      [false, false],
      [false, false],
      [true, false],
      [true, false],
      [false, false],
    ]);
    expect(await dump(store)).toEqual([
      ["cpu", iso(-1), -10],
      ["cpu", iso(0), 0],
      ["cpu", iso(1), 10],
      ["cpu", iso(2), 20],
      ["cpu", iso(3), 30], // the stored value wins over 31
      ["cpu", iso(4), 40],
      ["cpu", iso(5), 50],
      ["cpu", iso(6), 60],
      ["cpu", iso(7), 70],
      ["cpu", iso(0), 0.5, "score"],
      ["cpu", iso(1), 0.6, "score"],
    ]);
  });

  it("accepts rows whose timestamps are not increasing within a series", async () => {
    const store = await openIn(tempDir());
    const inserts = watchInserts(store);
    // Out of order, no duplicates: de-duplication path, all 3 stored.
    expect(
      await store.append(
        rows("cpu", [
          [2, 2],
          [0, 0],
          [1, 1],
        ]),
      ),
    ).toBe(3);
    // Interleaved series, each increasing on its own: fast path.
    expect(await store.append([row("a", 0, 1), row("b", 0, 2), row("a", 1, 3), row("b", 1, 4)])).toBe(4);
    // Out of order and overlapping stored rows (minute 1 is stored): both checks, 2 new rows.
    expect(
      await store.append(
        rows("cpu", [
          [4, 4],
          [1, 9],
          [3, 3],
        ]),
      ),
    ).toBe(2);
    expect(inserts.map((sql) => [sql.includes("ANTI JOIN"), sql.includes("GROUP BY")])).toEqual([
      [false, true],
      [false, false],
      [true, true],
    ]);
    expect(await dump(store)).toEqual([
      ["a", iso(0), 1],
      ["a", iso(1), 3],
      ["b", iso(0), 2],
      ["b", iso(1), 4],
      ["cpu", iso(0), 0],
      ["cpu", iso(1), 1],
      ["cpu", iso(2), 2],
      ["cpu", iso(3), 3],
      ["cpu", iso(4), 4],
    ]);
  });

  it("keeps metadata strings byte for byte", async () => {
    const store = await openIn(tempDir());
    const texts = [
      "",
      '{"thresholds":{"upper":12,"lower":0}}',
      'it\'s "quoted"; drop table metrics; --',
      "line 1\nline 2\ttab \\ backslash",
      "ünïcödé ✓ 🚀 中文",
      '{"thresholds":{"upper":12,"lower":0}}', // repeated text, stored again
    ];
    expect(await store.append(texts.map((t, i) => row("cpu", i, i, { metadata: t })))).toBe(6);
    const got = await store.query<{ metadata: string }>("select metadata from metrics order by metric_timestamp");
    expect(got.map((r) => r.metadata)).toEqual(texts);
  });

  it("throws a StoreError and stores nothing when a value is not finite or a date is invalid", async () => {
    const store = await openIn(tempDir());
    await store.append([row("kept", 0, 1)]);
    const cases: [number | string, string][] = [
      [Number.NaN, `row 1 (cpu at ${iso(1)}) has a non-finite value`],
      [Number.POSITIVE_INFINITY, `row 1 (cpu at ${iso(1)}) has a non-finite value`],
      [Number.NEGATIVE_INFINITY, `row 1 (cpu at ${iso(1)}) has a non-finite value`],
      ["bad date", "row 1 (cpu) has an invalid timestamp"],
    ];
    for (const [bad, message] of cases) {
      const badRow = bad === "bad date" ? { ...row("cpu", 1, 2), metric_timestamp: new Date("nope") } : row("cpu", 1, bad as number);
      // Valid rows before and after the bad one: none of them may be stored.
      const err = await rejection(store.append([row("cpu", 0, 1), badRow, row("cpu", 2, 3)]));
      expect(err).toBeInstanceOf(StoreError);
      expect(err.message).toBe(message);
    }
    expect(await dump(store)).toEqual([["kept", iso(0), 1]]);
  });

  it("keeps every row of appends made at the same time on one store", async () => {
    const store = await openIn(tempDir());
    const many = (name: string, n: number) => Array.from({ length: n }, (_, i) => row(name, i, i));
    // 3000 rows span two staging chunks of 2048; the three appends run concurrently on one connection.
    const counts = await Promise.all([store.append(many("a", 3000)), store.append(many("b", 3000)), store.append(many("c", 5))]);
    expect(counts).toEqual([3000, 3000, 5]);
    expect(await store.query("select metric_name, count(*) as n from metrics group by 1 order by 1")).toEqual([
      { metric_name: "a", n: 3000 },
      { metric_name: "b", n: 3000 },
      { metric_name: "c", n: 5 },
    ]);
  });
});

describe("transaction", () => {
  it("commits every write of the function and returns its result", async () => {
    const store = await openIn(tempDir());
    const out = await store.transaction(async () => {
      await store.append([row("a", 0, 1)]);
      await store.exec("insert into metrics values (?::TIMESTAMP, 'b', 'x', 'metric', 2, '')", ["2024-01-01 00:05:00"]);
      await store.append([row("c", 0, 3)]);
      return "done";
    });
    expect(out).toBe("done");
    expect(await dump(store)).toEqual([
      ["a", iso(0), 1],
      ["c", iso(0), 3],
      ["x", iso(5), 2],
    ]);
  });

  it("stores nothing of a function that throws, keeps earlier data, and stays usable", async () => {
    const store = await openIn(tempDir());
    await store.append(
      rows("kept", [
        [0, 1],
        [1, 2],
      ]),
    );
    const boom = new Error("boom");
    const err = await rejection(
      store.transaction(async () => {
        await store.append([row("lost", 0, 1)]);
        await store.exec("delete from metrics where metric_name = 'kept'");
        expect(await count(store)).toBe(1); // the function sees its own writes
        throw boom;
      }),
    );
    expect(err).toBe(boom);
    expect(await dump(store)).toEqual([
      ["kept", iso(0), 1],
      ["kept", iso(1), 2],
    ]);
    expect(await store.transaction(() => store.append([row("after", 0, 1)]))).toBe(1);
    expect(await count(store)).toBe(3);
  });

  it("runs a nested transaction inside the outer one: committed together, rolled back together", async () => {
    const store = await openIn(tempDir());
    await store.transaction(async () => {
      await store.append([row("outer1", 0, 1)]);
      const inner = await store.transaction(async () => {
        await store.append([row("inner", 0, 2)]);
        return store.transaction(async () => store.append([row("innermost", 0, 3)]));
      });
      expect(inner).toBe(1);
      await store.append([row("outer2", 0, 4)]);
    });
    expect((await dump(store)).map((r) => r[0])).toEqual(["inner", "innermost", "outer1", "outer2"]);

    const err = await rejection(
      store.transaction(async () => {
        await store.append([row("gone1", 0, 1)]);
        await store.transaction(async () => {
          await store.append([row("gone2", 0, 2)]);
          throw new Error("inner failed");
        });
      }),
    );
    expect(err.message).toBe("inner failed");
    expect((await dump(store)).map((r) => r[0])).toEqual(["inner", "innermost", "outer1", "outer2"]);
  });

  it("rolls back an append that fails validation inside a transaction, with the earlier writes of it", async () => {
    const store = await openIn(tempDir());
    const err = await rejection(
      store.transaction(async () => {
        await store.append([row("first", 0, 1)]);
        await store.append([row("cpu", 0, Number.NaN)]);
      }),
    );
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toBe(`row 0 (cpu at ${iso(0)}) has a non-finite value`);
    expect(await count(store)).toBe(0);
  });

  it("does not let a failing transaction undo a write made outside it at the same time", async () => {
    const store = await openIn(tempDir());
    await store.append(
      rows("cpu", [
        [0, 1],
        [1, 2],
      ]),
    );
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const failing = store.transaction(async () => {
      await store.append([row("tx", 0, 1)]);
      await gate;
      throw new Error("tx failed");
    });
    // Started while the transaction is open, from outside it.
    const deleting = store.exec("delete from metrics where metric_name = 'cpu' and metric_value = 1");
    release();
    expect((await rejection(failing)).message).toBe("tx failed");
    expect(await deleting).toBe(1);
    expect(await dump(store)).toEqual([["cpu", iso(1), 2]]);
  });
});

describe("query and exec", () => {
  it("return Date for timestamps, number for count(*) and integers, and bind ? parameters", async () => {
    const store = await openIn(tempDir());
    await store.append(
      rows("cpu", [
        [0, 1.5],
        [1, 2.5],
        [2, 4],
      ]),
    );
    const [r] = await store.query(
      `select max(metric_timestamp) as ts, count(*) as n, sum(metric_value) as total, 7::BIGINT * 6 as big
       from metrics where metric_name = ? and metric_value > ?`,
      ["cpu", 2],
    );
    // rows with value > 2: 2.5 and 4 → n = 2, total = 6.5, newest minute 2.
    expect(r).toEqual({ ts: new Date(iso(2)), n: 2, total: 6.5, big: 42 });
    expect(r.ts).toBeInstanceOf(Date);
    expect(typeof r.n).toBe("number");
    expect(await store.exec("delete from metrics where metric_value < ?", [3])).toBe(2);
    expect(await count(store)).toBe(1);
  });

  it("queryColumns gives query's values column by column, over several chunks, timestamps as epoch ms", async () => {
    const store = await openIn(tempDir());
    // 5,000 rows: more than one DuckDB chunk (2,048 rows), so chunk boundaries are crossed.
    await store.append(
      rows(
        "cpu",
        Array.from({ length: 5000 }, (_, i) => [i, i / 4] as [number, number]),
      ),
    );
    const sql = `select metric_timestamp, metric_name, metric_value, count(*) over () as n,
                        case when metric_value > 1 then null else metric_value end as maybe,
                        cast(metric_timestamp as date) as day, cast(metric_value as decimal(10, 2)) as dec, metric_value > 2 as flag
                 from metrics where metric_value >= ? order by metric_timestamp`;
    const expected = await store.query(sql, [0.5]);
    const got = await queryColumns(store, sql, [0.5]);
    expect(store.queryColumns).toBeTypeOf("function"); // DuckDB's own columnar read, not the fallback
    expect(got.rowCount).toBe(4998);
    expect(Object.keys(got.columns)).toEqual(["metric_timestamp", "metric_name", "metric_value", "n", "maybe", "day", "dec", "flag"]);
    const asRows = expected.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.getTime() : v])));
    expect(asRows.map((_, i) => Object.fromEntries(Object.keys(got.columns).map((k) => [k, got.columns[k][i]])))).toEqual(asRows);
    expect(got.columns.metric_timestamp[0]).toBe(Date.parse(iso(2)));
    expect(got.columns.maybe.slice(0, 4)).toEqual([0.5, 0.75, 1, null]);
    expect(typeof got.columns.n[0]).toBe("number");
    // streamed: the same values, a chunk (at most 2,048 rows) at a time
    const chunks: number[] = [];
    const streamed: unknown[] = [];
    await store.streamColumns!(sql, [0.5], (c) => {
      chunks.push(c.rowCount);
      streamed.push(...c.columns.metric_value);
    });
    expect(chunks.length).toBeGreaterThan(1);
    expect(Math.max(...chunks)).toBeLessThanOrEqual(2048);
    expect(streamed).toEqual(got.columns.metric_value);
  });

  it("queryColumns reads doubles, timestamps and strings as the row read does: NULLs, repeated and long strings, times before 1970 and below a millisecond", async () => {
    const store = await openIn(tempDir());
    // 5,000 rows over three chunks; names repeat in runs (as a job query's rows of one metric), some long
    // (not inlined in DuckDB's string slot), some NULL; timestamps before 1970 and with microseconds.
    const sql = `select case when i % 97 = 0 then null
                             when i % 3 = 0 then 'a-rather-long-metric-name-' || (i // 200)
                             else 'm' || (i // 10) end as name,
                        case when i % 7 = 0 then null else i / 8 end as v,
                        case when i % 11 = 0 then null
                             else make_timestamp(((i - 2500) * 123456789)::BIGINT) end as ts
                 from range(5000) t(i) order by i`;
    const rowsRead = (await store.query<{ name: string | null; v: number | null; ts: Date | null }>(sql)).map((r) => ({
      ...r,
      ts: r.ts === null ? null : r.ts.getTime(),
    }));
    const got = await queryColumns(store, sql);
    expect(got.rowCount).toBe(5000);
    expect(rowsRead.map((_, i) => ({ name: got.columns.name[i], v: got.columns.v[i], ts: got.columns.ts[i] }))).toEqual(rowsRead);
    expect(got.columns.ts[0]).toBeNull();
    expect(got.columns.ts[1]).toBe(Math.trunc((1 - 2500) * 123456.789));
    expect(got.columns.name.slice(95, 100)).toEqual(["m9", "a-rather-long-metric-name-0", null, "m9", "a-rather-long-metric-name-0"]);
  });

  it("refuses to work after close", async () => {
    const dir = tempDir();
    const store = await openIn(dir);
    await store.close();
    await store.close(); // closing twice is fine
    const file = path.join(dir, "m.duckdb");
    await expect(store.query("select 1")).rejects.toThrow(new StoreError(`store ${file} is closed`));
    await expect(store.append([row("cpu", 0, 1)])).rejects.toThrow(new StoreError(`store ${file} is closed`));
  });

  it("closed from inside its own transaction: fails that transaction (nothing committed) instead of hanging", async () => {
    const dir = tempDir();
    const store = await openIn(dir);
    await expect(
      store.transaction(async () => {
        await store.append([row("cpu", 0, 1)]);
        await store.close();
      }),
    ).rejects.toThrow(/connection disconnected/);
    expect(await count(await openIn(dir))).toBe(0);
  });
});

describe("a DuckDB file held by another process", () => {
  let child: ChildProcess | undefined;

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
    child = undefined;
  });

  it("is refused with a StoreError naming the file and the PID, and opens once that process is gone", async () => {
    const dir = tempDir();
    const file = path.join(dir, "shared.duckdb");
    const mine = await openDuckdbStore({ path: file });
    await mine.append(
      rows("cpu", [
        [0, 1],
        [1, 2],
      ]),
    );
    await closeAllDuckdbInstances(); // releases our lock so the other process can open the file

    // The other process opens the file, reports how many rows it sees, and holds the file until killed.
    const script = `
      import { DuckDBInstance } from "@duckdb/node-api";
      const db = await DuckDBInstance.create(process.argv[1]);
      const con = await db.connect();
      const r = await con.runAndReadAll("select count(*)::INTEGER as n from metrics");
      console.log("ready " + r.getRowObjectsJS()[0].n);
      // The timer holds db and con: module locals nothing refers to may be collected, and with them the lock.
      setInterval(() => void [db, con], 1000);
    `;
    child = spawn(process.execPath, ["--input-type=module", "-e", script, file], {
      cwd: REPO_DIR,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += String(d)));
    const firstLine = await new Promise<string>((resolve, reject) => {
      let out = "";
      child!.stdout!.on("data", (d) => {
        out += String(d);
        if (out.includes("\n")) resolve(out.split("\n")[0]);
      });
      child!.once("exit", (code) => reject(new Error(`holder exited with ${code}: ${stderr}`)));
    });
    expect(firstLine).toBe("ready 2");

    const err = await rejection(openDuckdbStore({ path: file }));
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toMatch(
      new RegExp(
        `^DuckDB file ${re(file)} is locked by another process \\(PID ${child.pid}\\); ` +
          `stop that process or set ANOMSTACK_DUCKDB_PATH to another file\\. DuckDB said: .*Conflicting lock`,
      ),
    );

    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    // The failed open is not cached: the next open succeeds and sees the rows.
    const again = await openDuckdbStore({ path: file });
    expect(await count(again)).toBe(2);
  });
});

describe("waiting for a DuckDB file another process holds (lockTimeoutMs, ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS)", () => {
  /** A process that opens `file`, says "ready", and holds it for `holdMs`. */
  async function holdFile(file: string, holdMs: number): Promise<ChildProcess> {
    const script = `
      import { DuckDBInstance } from "@duckdb/node-api";
      const db = await DuckDBInstance.create(process.argv[1]);
      const con = await db.connect();
      console.log("ready");
      setTimeout(() => { con.closeSync(); db.closeSync(); process.exit(0); }, ${holdMs});
      setInterval(() => void [db, con], 1000);
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, file], { cwd: REPO_DIR, stdio: ["ignore", "pipe", "pipe"] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (d) => String(d).includes("ready") && resolve());
      child.once("exit", (code) => reject(new Error(`holder exited with ${code}`)));
    });
    return child;
  }

  it("waits for the holder to let go, then opens (bounded retries with back-off)", async () => {
    const file = path.join(tempDir(), "wait.duckdb");
    const holder = await holdFile(file, 3000);
    const exited = new Promise((r) => holder.once("exit", r));
    // held now: without a wait, the open fails at once
    expect((await rejection(openDuckdbStore({ path: file }))).message).toMatch(/is locked by another process/);
    const store = await openDuckdbStore({ path: file, lockTimeoutMs: 60_000 });
    expect(await store.append([row("m", 1, 1)])).toBe(1);
    await exited;
  });

  it("gives up after the timeout with a StoreError naming the file, the holder's PID and the wait", async () => {
    const file = path.join(tempDir(), "held.duckdb");
    const holder = await holdFile(file, 20_000);
    try {
      const err = await rejection(openDuckdbStore({ path: file, lockTimeoutMs: 400 }));
      expect(err).toBeInstanceOf(StoreError);
      expect(err.message).toMatch(
        new RegExp(
          `^DuckDB file ${re(file)} is locked by another process \\(PID ${holder.pid}\\), still after waiting 0\\.\\d s \\(ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS\\); `,
        ),
      );
    } finally {
      holder.kill("SIGKILL");
    }
  });
});

describe("openDuckdbReader", () => {
  let reader: ChildProcess | undefined;
  afterEach(async () => {
    reader?.kill("SIGKILL");
    reader = undefined;
    await closeAllDuckdbInstances();
  });

  it("creates nothing: null for a missing file or table, and the file stays absent", async () => {
    const dir = tempDir();
    const file = path.join(dir, "none", "a.duckdb");
    expect(await openDuckdbReader({ path: file })).toBeNull();
    expect(fs.existsSync(path.join(dir, "none"))).toBe(false);
    const other = path.join(dir, "b.duckdb");
    const w = await openDuckdbStore({ path: other, tableKey: "other" });
    await w.close();
    await closeAllDuckdbInstances();
    expect(await openDuckdbReader({ path: other, tableKey: "metrics" })).toBeNull();
    const r = await openDuckdbReader({ path: other, tableKey: "other" });
    expect(r).not.toBeNull();
    await expect(r!.exec("delete from other")).rejects.toThrow(/read-only/i);
  });

  it("reads while another process reads the same file, and is reopened for writing in this process once its readers are closed", async () => {
    const file = path.join(tempDir(), "shared.duckdb");
    const w = await openDuckdbStore({ path: file });
    await w.append(rows("cpu", [[0, 1]]));
    await closeAllDuckdbInstances();
    const script = `
      import { DuckDBInstance } from "@duckdb/node-api";
      const db = await DuckDBInstance.create(process.argv[1], { access_mode: "READ_ONLY" });
      const con = await db.connect();
      await con.run("select 1");
      console.log("ready");
      setInterval(() => void [db, con], 1000);
    `;
    reader = spawn(process.execPath, ["--input-type=module", "-e", script, file], { cwd: REPO_DIR, stdio: ["ignore", "pipe", "pipe"] });
    await new Promise<void>((resolve, reject) => {
      reader!.stdout!.on("data", (d) => String(d).includes("ready") && resolve());
      reader!.once("exit", (code) => reject(new Error(`reader exited with ${code}`)));
    });
    const mine = await openDuckdbReader({ path: file });
    expect(await count(mine!)).toBe(1);
    // A writer of this process while its reader is open is refused with a clear message.
    await expect(openDuckdbStore({ path: file })).rejects.toThrow(/open read-only in this process/);
    await mine!.close();
    // Once the reader is closed, a writer reopens the file; the other process's reader still holds it.
    await expect(openDuckdbStore({ path: file })).rejects.toThrow(/locked by another process/);
    const exited = new Promise((r) => reader!.once("exit", r));
    reader.kill("SIGKILL");
    await exited;
    const again = await openDuckdbStore({ path: file });
    expect(await count(again)).toBe(1);
  });
});
