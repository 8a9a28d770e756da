// `npm run generate:lock`: rewrite scripts/generate/worker-deps/ (the lock of the Windmill workers)
// after a dependency that f/anomstack imports was added or upgraded. Needs the npm registry: Bun writes
// the bun.lock (`--lockfile-only`: nothing is installed), then `npm run generate` spreads it.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { WORKER_BUN, WORKER_DEPS_DIR, workerPackageJson } from "./worker-lock.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dir = path.join(root, WORKER_DEPS_DIR);
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, "package.json"), workerPackageJson(root));
fs.rmSync(path.join(dir, "bun.lock"), { force: true });
execFileSync("npx", ["-y", `bun@${WORKER_BUN}`, "install", "--lockfile-only", "--save-text-lockfile"], { cwd: dir, stdio: "inherit" });
fs.rmSync(path.join(dir, "node_modules"), { recursive: true, force: true });
process.stdout.write(`wrote ${WORKER_DEPS_DIR}/package.json and bun.lock (Bun ${WORKER_BUN}); now run npm run generate\n`);
