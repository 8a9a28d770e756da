// The Windmill raw app itself: `wmill app lint` and `wmill app bundle` pass offline, the app typechecks,
// its backend runnables are the project's own scripts, and its dependencies match the root's.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_DIR } from "../helpers/workspace.ts";

const APP = path.join(REPO_DIR, "f/anomstack/dashboard.raw_app");
const WMILL = path.join(REPO_DIR, "node_modules/windmill-cli/esm/main.js");
let copy: string;

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: REPO_DIR, encoding: "utf8", timeout: 120_000, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  // A copy of the app whose node_modules is the project's: the CLI then installs nothing (offline).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-app-"));
  copy = path.join(dir, "dashboard.raw_app");
  fs.cpSync(APP, copy, { recursive: true, filter: (src) => !/[/\\](node_modules|dist)$/.test(src) });
  fs.symlinkSync(path.join(REPO_DIR, "node_modules"), path.join(copy, "node_modules"));
});

describe("the dashboard raw app", () => {
  it("passes `wmill app lint`", () => {
    const r = run(process.execPath, [WMILL, "app", "lint", copy]);
    expect(r.out).toContain("Found 3 runnable(s) in backend folder");
    expect(r.out).toContain("All checks passed");
    expect(r.code).toBe(0);
  });

  it("builds with `wmill app bundle`, Windmill's ./wmill module inside", () => {
    const out = path.join(path.dirname(copy), "out");
    const r = run(process.execPath, [WMILL, "app", "bundle", copy, "--out", out]);
    expect(r.code, r.out).toBe(0);
    const js = fs.readFileSync(path.join(out, "bundle.js"), "utf8");
    expect(js).toContain("parent.postMessage"); // Windmill's virtual ./wmill (the app runs in an iframe)
    expect(js).toContain("Metric batches");
    expect(fs.readFileSync(path.join(out, "bundle.css"), "utf8")).toContain(".uplot");
  });

  it("typechecks (its own tsconfig: DOM, JSX)", () => {
    const r = run(process.execPath, [path.join(REPO_DIR, "node_modules/typescript/bin/tsc"), "-p", APP]);
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
  });

  it("calls the project's scripts, with the settings resource as a static field", () => {
    const backend = path.join(APP, "backend");
    const runnables = fs
      .readdirSync(backend)
      .filter((f) => f.endsWith(".yaml"))
      .sort();
    expect(runnables).toEqual(["batch.yaml", "feedback.yaml", "overview.yaml"]);
    for (const f of runnables) {
      const spec = parseYaml(fs.readFileSync(path.join(backend, f), "utf8"));
      expect(spec.type, f).toBe("script");
      expect(spec.path, f).toBe(`f/anomstack/dashboard_${f.replace(".yaml", "")}`);
      expect(spec.fields, f).toEqual({ settings: { type: "static", value: "$res:f/anomstack/settings" } });
      // a deployable script outside the app folder, with its generated metadata
      expect(fs.existsSync(path.join(REPO_DIR, `${spec.path}.ts`)), f).toBe(true);
      expect(fs.existsSync(path.join(REPO_DIR, `${spec.path}.script.yaml`)), f).toBe(true);
    }
  });

  it("pins the same React and uPlot versions as the project", () => {
    const root = JSON.parse(fs.readFileSync(path.join(REPO_DIR, "package.json"), "utf8"));
    const app = JSON.parse(fs.readFileSync(path.join(APP, "package.json"), "utf8"));
    for (const dep of ["react", "react-dom", "uplot"]) expect(app.dependencies[dep], dep).toBe(root.dependencies[dep]);
  });
});
