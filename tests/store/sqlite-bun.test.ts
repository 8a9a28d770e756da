// Windmill's workers run Bun: the SQLite / Turso store (@libsql/client) must load and work there
// (better-sqlite3 does not load under Bun). A Bun process opens a SQLite file, appends twice, rolls a
// failing transaction back and reads the rows; this test then reads the same file under Node.
import { execFile } from "node:child_process";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { openSqliteStore } from "../../f/anomstack/store/sqlite/store.ts";
import { REPO_DIR } from "../helpers/workspace.ts";
import { tempDir } from "./helpers.ts";

// Bun processes on a loaded 2-core machine: minutes, not seconds.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const BUN = path.join(REPO_DIR, "node_modules/.bin/bun");

describe("SQLite store under Bun", () => {
  it("creates, appends idempotently, rolls back, and its file reads the same under Node", async () => {
    const file = path.join(tempDir(), "bun.db");
    const store = JSON.stringify(path.join(REPO_DIR, "f/anomstack/store/sqlite/store.ts"));
    const script = `
      import { openSqliteStore } from ${store};
      const s = await openSqliteStore({ connection: { url: ${JSON.stringify(`file:${file}`)} } });
      const row = (m, v) => ({ metric_timestamp: new Date(Date.UTC(2024, 0, 1, 0, m)), metric_batch: "b", metric_name: "m1", metric_type: "metric", metric_value: v, metadata: "" });
      const first = await s.append([row(1, 1), row(2, 2)]);
      const again = await s.append([row(1, 1), row(2, 2), row(3, 3)]);
      await s.transaction(async () => { await s.append([row(4, 4)]); throw new Error("job failed"); }).catch(() => {});
      const got = await s.query("select metric_timestamp, metric_value from metrics order by metric_timestamp");
      await s.close();
      console.log(JSON.stringify({ runtime: typeof Bun === "undefined" ? "node" : "bun", first, again, got }));`;
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(BUN, ["-e", script], { cwd: REPO_DIR, encoding: "utf8", timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    expect(out).toEqual({
      runtime: "bun",
      first: 2,
      again: 1,
      got: [1, 2, 3].map((m) => ({ metric_timestamp: new Date(Date.UTC(2024, 0, 1, 0, m)).toISOString(), metric_value: m })),
    });
    const s = await openSqliteStore({ connection: { url: `file:${file}` } });
    expect((await s.query<{ metric_value: number }>("select metric_value from metrics order by 1")).map((x) => x.metric_value)).toEqual([1, 2, 3]);
    await s.close();
  });
});
