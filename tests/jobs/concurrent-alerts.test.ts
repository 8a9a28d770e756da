// Two `anomstack run --jobs alert` processes at once on one PostgreSQL store, and on one DuckDB file
// (two data-arrived POSTs, or one during the scheduled flow): each alert is saved once and each email
// sent once. Real processes, a real PostgreSQL server, a real DuckDB file, a real SMTP server.
import { spawn } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startSmtp, type SmtpStandIn } from "../alerts/helpers/smtp.ts";
import { closeAllDuckdbInstances, openDuckdbStore } from "../../f/anomstack/store/duckdb/store.ts";
import { openPostgresStore } from "../../f/anomstack/store/postgres/store.ts";
import { PG_URL, requirePostgres } from "../helpers/services.ts";
import { makeWorkspace, noise, REPO_DIR, seriesRows, type Workspace } from "../helpers/workspace.ts";

// Whole processes, the second waiting for the first on DuckDB: minutes on a loaded 2-core machine.
vi.setConfig({ testTimeout: 300_000 });

const NOW = new Date("2026-03-01T12:00:00Z");
const STEP = 300_000;
const SCHEMA = `anomstack_conc_${process.pid}_${Date.now()}`;
const PASSWORD = "smtp-secret-1";
let ws: Workspace;
let smtp: SmtpStandIn;

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_DIR, "scripts/anomstack.mjs"), ...args], { cwd: ws.dir, env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b));
    child.stderr.on("data", (b: Buffer) => (err += b));
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

beforeAll(async () => {
  await requirePostgres();
  smtp = await startSmtp({ user: "anomstack@example.com", password: PASSWORD });
  ws = makeWorkspace();
  ws.writeBatch(
    "conc",
    `db: postgres\ntable_key: ${SCHEMA}.metrics\ningest_sql: select 1\nalert_methods: email\nalert_smooth_n: 0\nalert_threshold: 0.8\n`,
  );
  ws.writeBatch("duckconc", "ingest_sql: select 1\nalert_methods: email\nalert_smooth_n: 0\nalert_threshold: 0.8\n");
  const seed = (batch: string) =>
    ["orders", "refunds", "visits"].flatMap((m) => [
      ...seriesRows(batch, m, [...noise(40, m.length).map((x) => 10 + x), 30], NOW, STEP),
      ...seriesRows(batch, m, [...noise(40, 3).map((x) => 0.1 + x * 0.2), 0.95], NOW, STEP).map((r) => ({ ...r, metric_type: "score" as const })),
    ]);
  const store = await openPostgresStore({ connection: PG_URL, tableKey: `${SCHEMA}.metrics` });
  await store.append(seed("conc"));
  await store.close();
  const duck = await openDuckdbStore({ path: ws.duckdbPath });
  await duck.append(seed("duckconc"));
  await closeAllDuckdbInstances(); // the two processes open the file themselves
});
afterAll(async () => {
  await smtp?.close();
  const c = new pg.Client(PG_URL);
  await c.connect();
  await c.query(`drop schema if exists "${SCHEMA}" cascade`);
  await c.end();
});

function channelEnv(): Record<string, string> {
  return {
    ...ws.env,
    ANOMSTACK_POSTGRES_URL: PG_URL,
    ANOMSTACK_LOG_LEVEL: "warn",
    ANOMSTACK_ALERT_EMAIL_FROM: "anomstack@example.com",
    ANOMSTACK_ALERT_EMAIL_TO: "ops@example.com",
    ANOMSTACK_ALERT_EMAIL_SMTP_HOST: "127.0.0.1",
    ANOMSTACK_ALERT_EMAIL_SMTP_PORT: String(smtp.port),
    ANOMSTACK_ALERT_EMAIL_PASSWORD: PASSWORD,
    ANOMSTACK_ALERT_EMAIL_SMTP_CA: smtp.cert,
    // DuckDB: the second run waits for the first to finish; on a loaded machine that can take a while.
    ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS: "300",
  };
}

/** Run the batch's alert job twice at once; the Message-IDs of the emails the two runs sent. */
async function twoAlertRuns(batch: string): Promise<(string | undefined)[]> {
  const before = smtp.mails.length;
  const args = ["run", "--batch", batch, "--jobs", "alert", "--now", NOW.toISOString()];
  const env = channelEnv();
  const [a, b] = await Promise.all([run(args, env), run(args, env)]);
  expect(a.code, a.err).toBe(0);
  expect(b.code, b.err).toBe(0);
  return smtp.mails.slice(before).map((m) => /^Message-ID: (.+)$/im.exec(m.raw.toString("utf8"))?.[1]);
}

describe("two alert runs at once on PostgreSQL", () => {
  it("save each alert once and send each notification once", async () => {
    const ids = await twoAlertRuns("conc");
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    const c = new pg.Client(PG_URL);
    await c.connect();
    const rows = await c.query(
      `select metric_name, count(*)::int as n from "${SCHEMA}".metrics where metric_type = 'alert' group by metric_name order by 1`,
    );
    const outbox = await c.query(`select metric_name, status, attempts from "${SCHEMA}".metrics_outbox order by 1`);
    await c.end();
    expect(rows.rows).toEqual([
      { metric_name: "orders", n: 1 },
      { metric_name: "refunds", n: 1 },
      { metric_name: "visits", n: 1 },
    ]);
    expect(outbox.rows).toEqual([
      { metric_name: "orders", status: "sent", attempts: 1 },
      { metric_name: "refunds", status: "sent", attempts: 1 },
      { metric_name: "visits", status: "sent", attempts: 1 },
    ]);
  });
});

describe("two alert runs at once on one DuckDB file", () => {
  it("save each alert once and send each notification once (the second waits for the file)", async () => {
    const ids = await twoAlertRuns("duckconc");
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    const store = await openDuckdbStore({ path: ws.duckdbPath });
    const rows = await store.query<{ metric_name: string; n: number }>(
      "select metric_name, count(*)::INTEGER as n from metrics where metric_batch = 'duckconc' and metric_type = 'alert' group by 1 order by 1",
    );
    const outbox = await store.query<{ metric_name: string; status: string; attempts: number }>(
      "select metric_name, status, attempts::INTEGER as attempts from metrics_outbox order by 1",
    );
    await closeAllDuckdbInstances();
    expect(rows).toEqual([
      { metric_name: "orders", n: 1 },
      { metric_name: "refunds", n: 1 },
      { metric_name: "visits", n: 1 },
    ]);
    expect(outbox).toEqual([
      { metric_name: "orders", status: "sent", attempts: 1 },
      { metric_name: "refunds", status: "sent", attempts: 1 },
      { metric_name: "visits", status: "sent", attempts: 1 },
    ]);
  });
});
