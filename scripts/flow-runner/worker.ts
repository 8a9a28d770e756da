// Worker mode of the flow runner: every script step runs the way a Windmill Bun worker runs a script
// marked `//nobundling` (bun_executor.rs `handle_bun_job`, `build_loader`; worker.rs main loop;
// /work/notes/windmill-facts.md §1.5, §1.6, §6) — in its own Bun process, in a fresh empty job folder
// holding only main.ts (the script's content), args.json, wrapper.mjs and loader.bun.js, with a cleared
// environment. Written from those facts, not from Windmill's code:
// - relative `.ts` imports are fetched over HTTP, on every run, from a stand-in of the server's
//   `raw_unpinned` endpoint (./raw-scripts.ts) by a Bun loader plugin of ours; each one appears in the
//   job folder as `<path>.ts.url`, so `import.meta` of a module points there and nothing sits beside
//   it. A script that reads files next to itself, imports a non-`.ts` relative file or relies on the
//   repository as its working directory fails here as it would on a worker;
// - bare npm imports resolve from `<job folder>/node_modules`, a symlink to the repository's
//   node_modules. The worker runs `bun install` from the script's lock into that same folder, so
//   resolution starts where it does there; NODE_PATH would instead be a fallback searched after the
//   folders above the job (and the worker sets it only when configured). The difference left: every
//   package of the repository is installed here, not only those of the script's lock;
// - the environment is PATH, HOME, TZ, the Bun variables, BASE_URL, the WM_* variables of the job and
//   the worker's configured `envs` — nothing else of this process leaks in;
// - the wrapper calls `main` with args.json destructured by parameter name and writes result.json, or
//   on a throw `{message, name, stack, step_id, extra}` and exits 1 (what the flow then stores).
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { mainParameters, type JobErrorObject, type JobOutcome, type ScriptJob, type ScriptRunner } from "./runner.ts";
import { repoScripts, startRawScriptServer, type RawScriptServer, type WorkspaceScripts } from "./raw-scripts.ts";

export interface WorkerOptions {
  /** Repository root: its f/ is the deployed workspace, its node_modules what `bun install` would give. */
  root: string;
  /** Files of a workspace generated elsewhere (repo-relative path → content), served instead of the disk's. */
  overlay?: ReadonlyMap<string, string>;
  /** The worker group's configured environment variables (env_vars_static), passed to every job. */
  envs?: Record<string, string>;
  /** Workspace id (WM_WORKSPACE). */
  workspace?: string;
  /** Keep each job folder after the job (to look at it); default: removed like the worker does. */
  keepJobDirs?: boolean;
  /** Where job folders are created (default: a fresh temp folder). */
  workerDir?: string;
}

export interface WorkerJobRecord {
  id: string;
  path: string;
  stepId: string;
  dir: string;
  exitCode: number | null;
  logs: string;
  /** Files the job folder held when the process ended (relative paths). */
  files: string[];
}

export interface Worker {
  runScript: ScriptRunner;
  /** The stand-in of the server's raw script endpoint. */
  server: RawScriptServer;
  workerDir: string;
  /** Every job run so far, in the order they ended. */
  jobs: WorkerJobRecord[];
  close(): Promise<void>;
}

const BUN = (root: string) => path.join(root, "node_modules", ".bin", "bun");

/** The loader plugin preloaded into every job (`bun run -r ./loader.bun.js`): relative `.ts` imports over HTTP. */
function loaderSource(jobDir: string, scriptPath: string): string {
  return `// Relative .ts imports of the job, fetched from the workspace like a Windmill worker does (stand-in).
import { plugin } from "bun";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";

const JOB_DIR = ${JSON.stringify(jobDir)};
const SCRIPT_PATH = ${JSON.stringify(scriptPath)};
const endpoint = \`\${process.env.BASE_URL}/api/w/\${process.env.WM_WORKSPACE}/scripts/raw_unpinned/p/\`;

/** The Windmill path an importer stands for: the script itself for main.ts, else its .url file's path. */
function importerPath(importer) {
  const rel = relative(JOB_DIR, importer).split("\\\\").join("/");
  return rel.endsWith(".url") ? rel.slice(0, -4) : SCRIPT_PATH;
}

plugin({
  name: "windmill-relative-imports",
  setup(build) {
    build.onResolve({ filter: /\\.ts$/ }, (args) => {
      if (args.importer.includes("/node_modules/")) return undefined;
      if (args.path === "./main.ts" || args.importer.endsWith("wrapper.mjs")) return undefined;
      const target = args.path.startsWith("/") ? args.path.slice(1) : posix.normalize(posix.join(importerPath(args.importer), "..", args.path));
      const file = join(JOB_DIR, \`\${target}.url\`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, endpoint + target);
      return { path: file };
    });
    build.onLoad({ filter: /\\.url$/ }, async (args) => {
      const target = relative(JOB_DIR, args.path).split("\\\\").join("/").slice(0, -4);
      const res = await fetch(endpoint + target, { headers: { Authorization: \`Bearer \${process.env.WM_TOKEN}\` } });
      if (!res.ok) throw new Error(\`Failed to find relative import at \${endpoint + target}: \${res.status} \${await res.text()}\`);
      return { contents: await res.text(), loader: "tsx" };
    });
  },
});
`;
}

/** The wrapper: args.json → main(...) → result.json; a throw → the error object and exit code 1. */
function wrapperSource(names: string[], dates: string[]): string {
  return `import * as script from "./main.ts";
import { readFile, writeFile } from "node:fs/promises";

BigInt.prototype.toJSON = function () {
  return this.toString();
};
const NAMES = ${JSON.stringify(names)};
const DATES = ${JSON.stringify(dates)};
const NOT_EXTRA = ["line", "name", "stack", "column", "message", "sourceURL", "originalLine", "originalColumn"];

try {
  const args = JSON.parse(await readFile("args.json", "utf8"));
  for (const d of DATES) args[d] = args[d] ? new Date(args[d]) : undefined;
  if (typeof script.main !== "function") throw new Error("main function is missing");
  const res = await script.main(...NAMES.map((n) => args[n]));
  await writeFile("result.json", JSON.stringify(res ?? null, (_k, v) => (v === undefined ? null : v)));
  process.exit(0);
} catch (e) {
  console.error(e);
  const err = { message: e?.message, name: e?.name, stack: e?.stack };
  if (process.env.WM_FLOW_STEP_ID) err.step_id = process.env.WM_FLOW_STEP_ID;
  if (e && typeof e === "object") {
    const extra = {};
    for (const k of Object.getOwnPropertyNames(e)) if (!NOT_EXTRA.includes(k)) extra[k] = e[k];
    if (Object.keys(extra).length > 0) err.extra = extra;
  }
  await writeFile("result.json", JSON.stringify(err));
  process.exit(1);
}
`;
}

function listFiles(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, r));
    else out.push(r);
  }
  return out.sort();
}

/** Start a worker (and the raw-script stand-in it fetches relative imports from). */
export async function startWorker(opts: WorkerOptions): Promise<Worker> {
  const workspace = opts.workspace ?? "anomstack-test";
  const scripts: WorkspaceScripts = repoScripts(opts.root, opts.overlay);
  const tokens = new Set<string>();
  const server = await startRawScriptServer({ scripts, workspace, tokens });
  const workerDir = opts.workerDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-worker-"));
  const jobs: WorkerJobRecord[] = [];
  const running = new Set<ReturnType<typeof spawn>>();

  const runScript: ScriptRunner = async (job: ScriptJob): Promise<JobOutcome> => {
    const content = scripts.content(job.path);
    if (content === undefined) return { success: false, error: { name: "Error", message: `script not found at path ${job.path}` } };
    const dir = path.join(workerDir, job.jobId);
    fs.mkdirSync(dir, { recursive: true });
    const { names, dates } = mainParameters(content);
    fs.writeFileSync(path.join(dir, "main.ts"), content);
    fs.writeFileSync(path.join(dir, "args.json"), JSON.stringify(job.args));
    fs.writeFileSync(path.join(dir, "wrapper.mjs"), wrapperSource(names, dates));
    fs.writeFileSync(path.join(dir, "loader.bun.js"), loaderSource(dir, job.path));
    fs.symlinkSync(path.join(opts.root, "node_modules"), path.join(dir, "node_modules"), "dir");
    const token = crypto.randomBytes(16).toString("hex");
    tokens.add(token);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? workerDir,
      ...(process.env.TZ ? { TZ: process.env.TZ } : {}),
      FORCE_COLOR: "1",
      DO_NOT_TRACK: "1",
      BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
      BASE_URL: server.url,
      ...(opts.envs ?? {}),
      WM_WORKSPACE: workspace,
      WM_TOKEN: token,
      WM_BASE_URL: server.url,
      WM_EMAIL: "admin@windmill.dev",
      WM_USERNAME: "admin",
      WM_PERMISSIONED_AS: "u/admin",
      WM_WORKER_GROUP: "default",
      WM_JOB_ID: job.jobId,
      WM_JOB_PATH: job.path,
      WM_FLOW_JOB_ID: job.flowJobId,
      WM_ROOT_FLOW_JOB_ID: job.rootFlowJobId,
      WM_FLOW_STEP_ID: job.stepId,
      ...(job.flowPath ? { WM_FLOW_PATH: job.flowPath } : {}),
    };
    let logs = "";
    let timedOut = false;
    const exitCode = await new Promise<number | null>((resolve) => {
      const child = spawn(BUN(opts.root), ["run", "-r", "./loader.bun.js", "./wrapper.mjs"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
      running.add(child);
      const collect = (b: Buffer) => {
        if (logs.length < 1_000_000) logs += b.toString();
      };
      child.stdout.on("data", collect);
      child.stderr.on("data", collect);
      const timer = job.timeoutSeconds
        ? setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, job.timeoutSeconds * 1000)
        : undefined;
      child.on("close", (code) => {
        clearTimeout(timer);
        running.delete(child);
        resolve(code);
      });
      child.on("error", (e) => {
        logs += String(e);
        resolve(null);
      });
    });
    tokens.delete(token);
    const resultFile = path.join(dir, "result.json");
    const stored = fs.existsSync(resultFile) ? fs.readFileSync(resultFile, "utf8") : undefined;
    jobs.push({
      id: job.jobId,
      path: job.path,
      stepId: job.stepId,
      dir,
      exitCode,
      logs,
      files: listFiles(dir).filter((f) => !f.startsWith("node_modules")),
    });
    if (!opts.keepJobDirs) fs.rmSync(dir, { recursive: true, force: true });
    if (timedOut)
      return { success: false, error: { name: "Error", message: `step ${job.stepId} timed out after ${job.timeoutSeconds} s`, step_id: job.stepId } };
    if (exitCode === 0 && stored !== undefined) return { success: true, result: JSON.parse(stored) };
    if (stored !== undefined) {
      try {
        return { success: false, error: JSON.parse(stored) as JobErrorObject };
      } catch {
        // fall through: not an error object
      }
    }
    const tail = logs.trim().split("\n").slice(-15).join("\n");
    return { success: false, error: { name: "ExecutionErr", message: `bun exited with code ${exitCode}: ${tail}`, step_id: job.stepId } };
  };

  return {
    runScript,
    server,
    workerDir,
    jobs,
    async close() {
      for (const child of running) child.kill("SIGKILL");
      await server.close();
      if (!opts.keepJobDirs && !opts.workerDir) fs.rmSync(workerDir, { recursive: true, force: true });
    },
  };
}
