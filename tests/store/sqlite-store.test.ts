// The SQLite / Turso metrics store on real files through @libsql/client: where the settings point
// (file paths, Turso URLs and tokens), the stored form of timestamps, locking between two processes'
// stores of one file, and the errors naming the database. The behaviours every store shares are in the
// conformance suite (tests/store/conformance.test.ts).
import fs from "node:fs";
import path from "node:path";
import { createClient } from "@libsql/client";
import { afterEach, describe, expect, it } from "vitest";
import { describeSqlite, sqliteConnection } from "../../f/anomstack/store/sqlite/connection.ts";
import { openSqliteStore } from "../../f/anomstack/store/sqlite/store.ts";
import { StoreError, type MetricsStore } from "../../f/anomstack/store/metrics-store.ts";
import { row, tempDir } from "./helpers.ts";

const open: MetricsStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function openFile(file: string, tableKey?: string): Promise<MetricsStore> {
  const s = await openSqliteStore({ connection: { url: `file:${file}` }, tableKey });
  open.push(s);
  return s;
}

describe("SQLite connection settings", () => {
  it("is a file under ./data by default, ANOMSTACK_SQLITE_PATH otherwise (resolved to an absolute file: URL)", () => {
    expect(sqliteConnection({})).toEqual({ url: `file:${path.resolve("./data/anomstack-sqlite.db")}` });
    expect(sqliteConnection({ ANOMSTACK_SQLITE_PATH: "/tmp/x/m.db" })).toEqual({ url: "file:/tmp/x/m.db" });
    expect(sqliteConnection({ ANOMSTACK_SQLITE_PATH: ":memory:" })).toEqual({ url: ":memory:" });
  });

  it("is Turso with ANOMSTACK_TURSO_DATABASE_URL and its token, or an ANOMSTACK_SQLITE_PATH ending in turso.io", () => {
    const env = { ANOMSTACK_TURSO_DATABASE_URL: "libsql://db-org.turso.io", ANOMSTACK_TURSO_AUTH_TOKEN: "tok-1", ANOMSTACK_SQLITE_PATH: "/x.db" };
    expect(sqliteConnection(env)).toEqual({ url: "libsql://db-org.turso.io", authToken: "tok-1" });
    expect(sqliteConnection({ ANOMSTACK_SQLITE_PATH: "db-org.turso.io", ANOMSTACK_TURSO_AUTH_TOKEN: "tok-2" })).toEqual({
      url: "libsql://db-org.turso.io",
      authToken: "tok-2",
    });
  });

  it("never shows a token in the description of a connection", () => {
    expect(describeSqlite({ url: "libsql://db.turso.io?authToken=secret-1" })).toBe("libsql://db.turso.io?authToken=***");
    expect(describeSqlite({ url: "libsql://db.turso.io", authToken: "secret-2" })).toBe("libsql://db.turso.io");
  });
});

describe("SQLite store", () => {
  it("creates the folder, the file and the table with its primary key, and stores timestamps as UTC text with milliseconds", async () => {
    const file = path.join(tempDir(), "sub", "m.db");
    const s = await openFile(file);
    await s.append([row("m1", 1, 1.5, { metric_timestamp: new Date("2024-01-01T00:01:00.250Z") })]);
    expect(fs.existsSync(file)).toBe(true);
    // read with a plain client: what another SQLite tool sees
    const raw = createClient({ url: `file:${file}` });
    const [r] = (await raw.execute("select metric_timestamp, typeof(metric_timestamp) t, metric_value from metrics")).rows;
    const ddl = (await raw.execute("select sql from sqlite_master where name = 'metrics'")).rows[0].sql as string;
    raw.close();
    expect([r.metric_timestamp, r.t, r.metric_value]).toEqual(["2024-01-01 00:01:00.250", "text", 1.5]);
    expect(ddl).toMatch(/primary key \(metric_batch, metric_name, metric_type, metric_timestamp\)/);
  });

  it("gives stored timestamps back as Dates, and other text as text", async () => {
    const s = await openFile(path.join(tempDir(), "m.db"));
    await s.append([row("m1", 1, 2)]);
    const [r] = await s.query<Record<string, unknown>>(
      "select metric_timestamp, max(metric_timestamp) as latest, '2024-01-01 00:01:00' as plain_text, metric_name from metrics",
    );
    expect(r.metric_timestamp).toEqual(new Date("2024-01-01T00:01:00Z"));
    expect(r.latest).toEqual(new Date("2024-01-01T00:01:00Z"));
    expect(r.plain_text).toBe("2024-01-01 00:01:00");
  });

  it("refuses a schema.table key (SQLite has no schemas), naming the key", async () => {
    const err = await openFile(path.join(tempDir(), "m.db"), "tmp.metrics").catch((e) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toBe('table_key "tmp.metrics" must be "table" on sqlite');
  });

  it("two stores of one file (two jobs) both write: the second waits for the first's transaction", async () => {
    const file = path.join(tempDir(), "m.db");
    const a = await openFile(file);
    const b = await openFile(file);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = a.transaction(async () => {
      await a.append([row("m1", 1, 1)]);
      await held;
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = b.append([row("m2", 1, 2)]);
    setTimeout(release, 200);
    await Promise.all([first, second]);
    expect(await a.query("select metric_name from metrics order by metric_name")).toEqual([{ metric_name: "m1" }, { metric_name: "m2" }]);
  });

  it("fails with a StoreError naming the database when the folder cannot be created", async () => {
    const blocker = path.join(tempDir(), "file");
    fs.writeFileSync(blocker, "");
    const err = await openFile(path.join(blocker, "m.db")).catch((e) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toMatch(/cannot create the folder of SQLite file .*file\/m\.db/);
  });

  it("fails with a StoreError naming the URL, without its token, when Turso cannot be reached", async () => {
    const s = openSqliteStore({ connection: { url: "http://127.0.0.1:9", authToken: "secret-token" } });
    const err = await s.catch((e) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toMatch(/^cannot (open SQLite database|create table metrics in) http:\/\/127\.0\.0\.1:9/);
    expect(err.message).not.toContain("secret-token");
  });
});
