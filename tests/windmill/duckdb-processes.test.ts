// Two processes writing one DuckDB file at once, as on Windmill where every step is its own process and
// several run at the same time (parallel shards, flows sharing a cron minute; facts §6 of
// /work/notes/windmill-facts.md). Here: two `anomstack run` processes ingesting into the same file,
// whose ingest functions make sure both are running (each holds the file open) before either writes.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closeAllDuckdbInstances } from "../../f/anomstack/store/duckdb/store.ts";
import { makeWorkspace, REPO_DIR, storedRows } from "../helpers/workspace.ts";

/** An ingest function that waits (at most 8 s) until both runs have started, then returns three metrics at `now`. */
const RENDEZVOUS_INGEST = `import fs from "node:fs";
import path from "node:path";
export async function ingest({ now }: { now: Date }) {
  const dir = process.env.RENDEZVOUS_DIR as string;
  fs.writeFileSync(path.join(dir, "started-" + process.pid), "");
  const until = Date.now() + 8000;
  while (Date.now() < until && fs.readdirSync(dir).filter((f) => f.startsWith("started-")).length < 2) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  return ["a", "b", "c"].map((metric_name, i) => ({ metric_timestamp: now, metric_name, metric_value: i + now.getUTCMinutes() }));
}
`;

function anomstack(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [path.join(REPO_DIR, "scripts/anomstack.mjs"), ...args], { cwd, env: { ...process.env, ...env } });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b));
  child.stderr.on("data", (b: Buffer) => (out += b));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out })));
}

afterAll(async () => {
  await closeAllDuckdbInstances();
});

describe("two processes writing one DuckDB file", () => {
  // The second process finds the file locked by the first (which holds it for its whole job, ~8 s here):
  // the DuckDB store waits for it with bounded retries and back-off (ANOMSTACK_DUCKDB_LOCK_TIMEOUT_SECONDS,
  // default 60 s) instead of failing at once with DuckDB's "Conflicting lock".
  it("two runs at once both finish, nothing lost or duplicated", async () => {
    const ws = makeWorkspace();
    ws.writeFile("twin/ingest.ts", RENDEZVOUS_INGEST);
    ws.writeBatch("twin", "ingest_fn: ingest.ts\njob_retries: 0\n");
    const rendezvous = path.join(ws.dir, "rendezvous");
    fs.mkdirSync(rendezvous);
    const env = { ...ws.env, RENDEZVOUS_DIR: rendezvous, ANOMSTACK_LOG_LEVEL: "warn" };
    const [a, b] = await Promise.all([
      anomstack(["run", "--batch", "twin", "--jobs", "ingest", "--now", "2026-03-01T12:00:00Z"], ws.dir, env),
      anomstack(["run", "--batch", "twin", "--jobs", "ingest", "--now", "2026-03-01T12:05:00Z"], ws.dir, env),
    ]);
    expect(a.code, a.out).toBe(0);
    expect(b.code, b.out).toBe(0);
    const ctx = await ws.open("twin", new Date("2026-03-01T12:05:00Z"));
    const rows = await storedRows(ctx, "metric");
    await closeAllDuckdbInstances();
    expect(rows.map((r) => `${r.metric_name}@${r.metric_timestamp.toISOString()}`).sort()).toEqual([
      "a@2026-03-01T12:00:00.000Z",
      "a@2026-03-01T12:05:00.000Z",
      "b@2026-03-01T12:00:00.000Z",
      "b@2026-03-01T12:05:00.000Z",
      "c@2026-03-01T12:00:00.000Z",
      "c@2026-03-01T12:05:00.000Z",
    ]);
  }, 180_000);
});
