// The lock the entry scripts are deployed with, installed the way a Windmill worker installs it: split
// at `//bun.lock` into package.json and bun.lock in an empty job folder, `bun install` (bun_executor.rs
// `handle_bun_job`), then the native addons load from that folder under Bun. Needs the npm registry.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { workerLock, workerPackageJson } from "../../scripts/generate/worker-lock.ts";
import { REPO_DIR } from "../helpers/workspace.ts";

const BUN = path.join(REPO_DIR, "node_modules/.bin/bun");

describe("the workers' lock", () => {
  it("is what every entry script carries, pins what f/anomstack imports, and installs in an empty job folder", () => {
    const lock = workerLock(REPO_DIR);
    for (const f of fs.readdirSync(path.join(REPO_DIR, "f/anomstack")).filter((f) => f.endsWith(".script.lock"))) {
      expect(fs.readFileSync(path.join(REPO_DIR, "f/anomstack", f), "utf8"), f).toBe(lock);
    }
    const [pkg, bunLock] = lock.split("\n//bun.lock\n");
    expect(`${pkg}\n`).toBe(workerPackageJson(REPO_DIR));
    const deps = JSON.parse(pkg).dependencies as Record<string, string>;
    expect(Object.keys(deps)).toEqual(expect.arrayContaining(["@duckdb/node-api", "@resvg/resvg-js", "dejavu-fonts-ttf", "pg", "yaml", "zod"]));

    const job = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-job-"));
    fs.writeFileSync(path.join(job, "package.json"), pkg);
    fs.writeFileSync(path.join(job, "bun.lock"), bunLock);
    const install = spawnSync(BUN, ["install", "--frozen-lockfile", "--no-progress"], { cwd: job, encoding: "utf8", timeout: 170_000 });
    if (install.status !== 0 && /ConnectionRefused|ENOTFOUND|EAI_AGAIN|network/i.test(install.stderr)) {
      throw new Error(`bun install needs the npm registry, which is not reachable from here: ${install.stderr.slice(-400)}`);
    }
    expect(install.status, install.stderr).toBe(0);
    // what the stage scripts load natively, from the job folder only
    const probe = `
      const { DuckDBInstance } = await import("@duckdb/node-api");
      const con = await (await DuckDBInstance.create(":memory:")).connect();
      const rows = (await con.runAndReadAll("select 41 + 1 as n")).getRowObjectsJS();
      const { Resvg } = await import("@resvg/resvg-js");
      const png = new Resvg('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>').render().asPng();
      console.log(JSON.stringify({ n: Number(rows[0].n), png: png.length > 0 }));`;
    fs.writeFileSync(path.join(job, "probe.mjs"), probe);
    const run = spawnSync(BUN, ["run", "probe.mjs"], { cwd: job, encoding: "utf8", timeout: 60_000, env: { PATH: process.env.PATH, HOME: job } });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split("\n").pop()!)).toEqual({ n: 42, png: true });
    fs.rmSync(job, { recursive: true, force: true });
  }, 240_000);
});
