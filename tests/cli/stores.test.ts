// ingest → train → score → alert on SQLite and on ClickHouse, the way a user runs it: the real
// `anomstack` command (backfill, then run), a batch with `db: sqlite` / `db: clickhouse` whose
// ingest_sql is written in that database's SQL, and the stored rows read back from the database.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openClickhouseStore } from "../../f/anomstack/store/clickhouse/store.ts";
import type { MetricsStore } from "../../f/anomstack/store/metrics-store.ts";
import { openSqliteStore } from "../../f/anomstack/store/sqlite/store.ts";
import { startClickhouse, type ClickhouseServer } from "../helpers/clickhouse.ts";
import { REPO_DIR, makeWorkspace, type Workspace } from "../helpers/workspace.ts";

vi.setConfig({ testTimeout: 600_000 });

let ws: Workspace;
let clickhouse: ClickhouseServer;
beforeAll(async () => {
  ws = makeWorkspace();
  clickhouse = await startClickhouse();
});
afterAll(async () => {
  await clickhouse?.stop();
});

function anomstack(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [path.join(REPO_DIR, "scripts/anomstack.mjs"), ...args], {
    cwd: ws.dir,
    env: { ...process.env, ...ws.env, ANOMSTACK_LOG_LEVEL: "warn", ...env },
    encoding: "utf8",
    timeout: 300_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const NOW = "2026-03-01T12:00:00Z";
const BEFORE = "2026-03-01T11:57:00Z";
/** A level around the minute of the hour, then a spike at 12:00 (the newest point). */
const BATCHES = {
  sqlite: `db: sqlite
ingest_sql: >
  select {{ now | sql_str }} as metric_timestamp, 'm1' as metric_name,
    case when {{ now | sql_str }} >= '2026-03-01 12:00:00' then 1000.0
         else 10 + (cast(strftime('%M', {{ now | sql_str }}) as integer) % 5) end as metric_value
`,
  clickhouse: `db: clickhouse
ingest_sql: >
  select toDateTime({{ now | sql_str }}, 'UTC') as metric_timestamp, 'm1' as metric_name,
    if(toDateTime({{ now | sql_str }}, 'UTC') >= toDateTime('2026-03-01 12:00:00', 'UTC'), 1000.0,
       10 + (toMinute(toDateTime({{ now | sql_str }}, 'UTC')) % 5)) as metric_value
`,
};

describe.each(["sqlite", "clickhouse"] as const)("the pipeline on %s", (db) => {
  it("backfills, trains, scores and alerts on the spike; the rows are in the database", async () => {
    const batch = `pipe_${db}`;
    ws.writeBatch(batch, BATCHES[db]);
    const port = new URL(clickhouse.url).port;
    const env: Record<string, string> =
      db === "sqlite"
        ? { ANOMSTACK_SQLITE_PATH: path.join(ws.dir, "data", "pipe.db") }
        : {
            ANOMSTACK_CLICKHOUSE_HOST: "127.0.0.1",
            ANOMSTACK_CLICKHOUSE_PORT: port,
            ANOMSTACK_CLICKHOUSE_USER: "default",
            ANOMSTACK_CLICKHOUSE_PASSWORD: "",
          };
    // 79 points up to 11:57 (every 3 minutes, the default ingest schedule), a model trained on them ...
    const b = anomstack(["backfill", "--batch", batch, "--periods", "79", "--now", BEFORE], env);
    expect(b.code, b.err).toBe(0);
    expect(b.out).toMatch(new RegExp(`^${batch}: backfilled 79 period\\(s\\) .*: 79 row\\(s\\), 79 new\\n$`));
    const train = anomstack(["run", "--batch", batch, "--jobs", "train", "--now", BEFORE], env);
    expect(train.code, train.err).toBe(0);
    expect(train.out).toBe(`${batch} train: 1 trained, 0 waiting for data, 0 failed\n`);
    // ... then the spike arrives at 12:00, is scored and alerted on
    const run = anomstack(["run", "--batch", batch, "--jobs", "ingest,score,alert", "--now", NOW], env);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain(`${batch} ingest: 1 row(s) for 1 metric(s), 1 new`);
    expect(run.out).toMatch(new RegExp(`${batch} score: \\d+ point\\(s\\) scored`));
    expect(run.out).toContain(`${batch} alert: m1 (1)`);
    const store: MetricsStore =
      db === "sqlite"
        ? await openSqliteStore({ connection: { url: `file:${env.ANOMSTACK_SQLITE_PATH}` } })
        : await openClickhouseStore({ connection: { url: clickhouse.url, user: "default", password: "", database: "default" } });
    try {
      const counts = await store.query<{ metric_type: string; n: number }>(
        "select metric_type, count(*) as n from metrics where metric_batch = ? group by metric_type order by metric_type",
        [batch],
      );
      const byType = Object.fromEntries(counts.map((c) => [c.metric_type, Number(c.n)]));
      expect(byType.metric).toBe(80);
      expect(byType.score).toBeGreaterThan(0);
      const [spike] = await store.query<{ metric_value: number; metric_timestamp: Date }>(
        "select metric_value, metric_timestamp from metrics where metric_batch = ? and metric_type = 'alert'",
        [batch],
      );
      expect(spike?.metric_timestamp).toEqual(new Date(NOW));
      // a re-run stores nothing new
      const again = anomstack(["run", "--batch", batch, "--jobs", "ingest,train,score,alert", "--now", NOW], env);
      expect(again.code, again.err).toBe(0);
      expect(again.out).toContain(`${batch} ingest: 1 row(s) for 1 metric(s), 0 new`);
      const [{ n }] = await store.query<{ n: number }>("select count(*) as n from metrics where metric_batch = ? and metric_type = 'alert'", [batch]);
      expect(Number(n)).toBe(1);
    } finally {
      await store.close();
    }
  });
});
