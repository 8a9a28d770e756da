// Windmill runs TypeScript on Bun: the stage scripts and the CLI must work there as they do on Node.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeWorkspace, REPO_DIR } from "../helpers/workspace.ts";

const BUN = path.join(REPO_DIR, "node_modules/.bin/bun");

function bun(args: string[], env: Record<string, string>, cwd = REPO_DIR) {
  const r = spawnSync(BUN, args, { cwd, env: { ...process.env, ANOMSTACK_LOG_LEVEL: "warn", ...env }, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("under Bun", () => {
  it("runs the stage scripts' main functions against a DuckDB file", () => {
    const ws = makeWorkspace();
    fs.cpSync(path.join(REPO_DIR, "metrics/examples"), path.join(ws.metricsDir, "examples"), { recursive: true });
    const script = path.join(ws.dir, "stages.ts");
    fs.writeFileSync(
      script,
      `import { main as ingest } from ${JSON.stringify(path.join(REPO_DIR, "f/anomstack/ingest.ts"))};
       import { main as train } from ${JSON.stringify(path.join(REPO_DIR, "f/anomstack/train.ts"))};
       import { main as score } from ${JSON.stringify(path.join(REPO_DIR, "f/anomstack/score.ts"))};
       import { main as alert } from ${JSON.stringify(path.join(REPO_DIR, "f/anomstack/alert.ts"))};
       const out = [];
       for (let i = 0; i < 30; i++) out.push(await ingest("python_ingest_simple", new Date(Date.UTC(2026, 2, 1, 10, i * 5)).toISOString()));
       out.push(await train("python_ingest_simple", "2026-03-01T12:25:00Z"));
       out.push(await score("python_ingest_simple", "2026-03-01T12:25:00Z"));
       out.push(await alert("python_ingest_simple", "2026-03-01T12:25:00Z"));
       console.log(JSON.stringify({ runtime: typeof Bun === "undefined" ? "node" : "bun", out }));`,
    );
    const r = bun([script], ws.env);
    expect(r.code, r.err).toBe(0);
    const { runtime, out } = JSON.parse(r.out.trim().split("\n").at(-1)!);
    expect(runtime).toBe("bun");
    expect(out.slice(0, 30).every((x: { status: string; inserted: number }) => x.status === "ok" && x.inserted === 5)).toBe(true);
    expect(out[30]).toMatchObject({ job: "train", status: "ok", trained: ["metric1", "metric2", "metric3", "metric4", "metric5"] });
    // 30 points, 25 newest eligible, each needing the 8 values before it: points 8..29 = 22 per metric
    expect(out[31]).toMatchObject({ job: "score", status: "ok", scored: 110 });
    expect(out[32]).toMatchObject({ job: "alert", status: "ok" });
  });

  it("runs the CLI demo end to end", () => {
    const ws = makeWorkspace();
    fs.cpSync(path.join(REPO_DIR, "metrics/examples"), path.join(ws.metricsDir, "examples"), { recursive: true });
    const r = bun([path.join(REPO_DIR, "scripts/cli/main.ts"), "demo", "--periods", "100", "--now", "2026-03-01T12:00:00Z"], ws.env, ws.dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("python_ingest_simple: latest scores");
    expect(r.out).toContain("python_ingest_simple score: 5 point(s) scored");
  });
});
