// The PostgreSQL metrics store against the real server of this machine and CI (127.0.0.1:5432, trust
// auth, database `test`): each test file works in its own schema, dropped at the end.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PG_URL, requirePostgres } from "../helpers/services.ts";
import { describeConnection, openPostgresStore, toPgPlaceholders } from "../../f/anomstack/store/postgres/store.ts";
import type { MetricsStore } from "../../f/anomstack/store/metrics-store.ts";
import type { MetricRow } from "../../f/anomstack/store/metric-row.ts";

const SCHEMA = `anomstack_store_${process.pid}_${Date.now()}`;
let store: MetricsStore;

const row = (i: number, type: MetricRow["metric_type"] = "metric", metadata = ""): MetricRow => ({
  metric_timestamp: new Date(Date.UTC(2026, 0, 1, 0, i)),
  metric_batch: "b",
  metric_name: i % 2 ? "odd" : "even",
  metric_type: type,
  metric_value: i + 0.5,
  metadata,
});

beforeAll(async () => {
  await requirePostgres();
  store = await openPostgresStore({ connection: PG_URL, tableKey: `${SCHEMA}.metrics` });
});
afterAll(async () => {
  await store.close();
  const c = new pg.Client(PG_URL);
  await c.connect();
  await c.query(`drop schema if exists "${SCHEMA}" cascade`);
  await c.end();
});

describe("PostgreSQL store", () => {
  it("creates the schema and table, and appends idempotently", async () => {
    expect(await store.append([row(1), row(2), row(3)])).toBe(3);
    expect(await store.append([row(2), row(3), row(4)])).toBe(1);
    expect(await store.append([row(5), row(5, "metric", "dup")])).toBe(1); // a duplicate within one call is stored once
    const [{ n }] = await store.query<{ n: number }>(`select count(*) as n from "${SCHEMA}".metrics`);
    expect(n).toBe(5);
  });

  it("returns timestamps as UTC dates and keeps values and metadata", async () => {
    await store.append([row(10, "llmalert", '{"anomaly_explanation":"it\'s high"}')]);
    const rows = await store.query<{ metric_timestamp: Date; metric_value: number; metadata: string }>(
      `select metric_timestamp, metric_value, metadata from "${SCHEMA}".metrics where metric_type = ? and metric_timestamp = cast(? as timestamp)`,
      ["llmalert", "2026-01-01 00:10:00"],
    );
    expect(rows).toEqual([
      { metric_timestamp: new Date("2026-01-01T00:10:00Z"), metric_value: 10.5, metadata: '{"anomaly_explanation":"it\'s high"}' },
    ]);
  });

  it("rolls a failed transaction back and keeps what was stored before", async () => {
    const before = await store.query<{ n: number }>(`select count(*) as n from "${SCHEMA}".metrics`);
    await expect(
      store.transaction(async () => {
        await store.append([row(20), row(21)]);
        await store.exec("select * from no_such_table");
      }),
    ).rejects.toThrow(/no_such_table/);
    expect(await store.query(`select count(*) as n from "${SCHEMA}".metrics`)).toEqual(before);
  });

  it("refuses non-finite values, storing nothing of the call", async () => {
    const before = await store.query<{ n: number }>(`select count(*) as n from "${SCHEMA}".metrics`);
    expect(() => store.append([row(30), { ...row(31), metric_value: Number.NaN }])).toThrow(
      "row 1 (odd at 2026-01-01T00:31:00.000Z) has a non-finite value",
    );
    expect(await store.query(`select count(*) as n from "${SCHEMA}".metrics`)).toEqual(before);
  });

  it("appends 25,000 rows in chunks", async () => {
    const many = Array.from({ length: 25_000 }, (_, i) => ({ ...row(i), metric_batch: "bulk", metric_name: `m${i % 50}` }));
    expect(await store.append(many)).toBe(25_000);
    expect(await store.append(many)).toBe(0);
  });

  it("says where it could not connect, without the password", async () => {
    const url = "postgresql://anomstack:s3cret@127.0.0.1:1/nowhere";
    const err = await openPostgresStore({ connection: url }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^cannot connect to PostgreSQL at postgresql:\/\/anomstack:\*\*\*@127\.0\.0\.1:1\/nowhere: /);
    expect((err as Error).message).not.toContain("s3cret");
    expect(describeConnection({ host: "db", user: "u", password: "p", dbname: "m" })).toBe("postgresql://u@db:5432/m");
  });

  it("runs SQL without parameters as written: a jsonb ? operator is not taken for a placeholder", async () => {
    const rows = await store.query<{ has: boolean }>(`select '{"env": "prod"}'::jsonb ? 'env' as has`);
    expect(rows).toEqual([{ has: true }]);
    expect(await store.exec(`select 1 where '{"a": 1}'::jsonb ?| array['a', 'b']`)).toBe(1);
  });

  it("turns ? placeholders into $n outside quoted text", () => {
    expect(toPgPlaceholders("select ? as a, '?' as b, \"x?\" as c where d = ?")).toBe("select $1 as a, '?' as b, \"x?\" as c where d = $2");
  });
});
