// The lock every entry script is deployed with, so Windmill's Bun workers install exactly the npm
// versions this repository is tested with. A script whose `.script.yaml` has a non-empty `lock` gets no
// dependency job on the server (windmill-api-scripts scripts.rs `create_script_internal`: a lock job
// only when the lock is empty), so nothing floats to "latest" and push order cannot break a lock. At run
// time the worker splits the lock at `//bun.lock` into package.json and bun.lock and runs `bun install`
// in the job's folder (bun_executor.rs `handle_bun_job`), which is where DuckDB's and resvg's native
// addons come from (the scripts are `//nobundling`).
//
// The source of the lock is `scripts/generate/worker-deps/`: a package.json with the exact versions
// (from package-lock.json) of every npm package `f/anomstack` imports, and the bun.lock that Bun 1.3.8
// (the Bun of Windmill's worker image) writes for it. `npm run generate:lock` refreshes both.
import fs from "node:fs";
import path from "node:path";

export const WORKER_DEPS_DIR = "scripts/generate/worker-deps";
/** The Bun of Windmill's official worker image (its Dockerfile: oven/bun 1.3.8), which writes the bun.lock. */
export const WORKER_BUN = "1.3.8";

/** Bare package names imported by the TypeScript under `f/anomstack` (the raw app is bundled by `wmill`). */
export function importedPackages(root: string): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!e.name.endsWith(".raw_app") && e.name !== "node_modules") walk(p);
      } else if (e.name.endsWith(".ts")) {
        // static imports and re-exports (a statement at the start of a line), and dynamic import("pkg")
        const code = fs.readFileSync(p, "utf8");
        // ... and packages used for their files (`createRequire(...).resolve("pkg/file")`)
        const statements = code.matchAll(
          /^(?:import|export)\b[^;]*?\bfrom\s*["']([^"'.][^"']*)["']|^import\s*["']([^"'.][^"']*)["']|\bimport\(\s*["']([^"'.][^"']*)["']\s*\)|\.resolve\(\s*["']([^"'.][^"']*)["']/gm,
        );
        for (const m of statements) {
          const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
          if (spec.startsWith("node:") || spec === "bun") continue;
          found.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]);
        }
      }
    }
  };
  walk(path.join(root, "f/anomstack"));
  return [...found].sort();
}

/** The package.json of the workers: each imported package at the version package-lock.json installs. */
export function workerPackageJson(root: string): string {
  const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
  const dependencies: Record<string, string> = {};
  for (const name of importedPackages(root)) {
    const version = lock.packages[`node_modules/${name}`]?.version;
    if (!version) throw new Error(`f/anomstack imports ${name}, which package-lock.json does not install: add it to package.json`);
    dependencies[name] = version;
  }
  return `${JSON.stringify({ dependencies }, null, 2)}\n`;
}

/**
 * The lock text of every entry script: package.json, the `//bun.lock` line, bun.lock (the format the
 * worker's `split_lockfile` reads). Throws when the committed package.json is not the one the imports
 * and package-lock.json call for (run `npm run generate:lock`).
 */
export function workerLock(root: string): string {
  const dir = path.join(root, WORKER_DEPS_DIR);
  const committed = fs.readFileSync(path.join(dir, "package.json"), "utf8");
  const wanted = workerPackageJson(root);
  if (committed !== wanted) {
    throw new Error(
      `${WORKER_DEPS_DIR}/package.json is not what f/anomstack imports at the versions of package-lock.json: run npm run generate:lock`,
    );
  }
  const bunLock = fs.readFileSync(path.join(dir, "bun.lock"), "utf8");
  return `${committed.trimEnd()}\n//bun.lock\n${bunLock}`;
}
