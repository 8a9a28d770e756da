// The `anomstack` command precompiled: esbuild bundles the TypeScript CLI (and the stage scripts the
// local flow runner calls) into one ES module under node_modules/.cache, so a command does not compile
// TypeScript on every run (tsx did, about a second of CPU). The build is used only while it is fresh:
// every input file has the size and mtime recorded at build time, and the stage scripts are the same
// set; otherwise it is rebuilt (about a second) or, if that fails, the CLI runs through tsx as before.
// The small pure-JS packages every command loads are bundled too (one module to compile instead of
// hundreds to resolve and load); the others stay external: native addons, packages that read their own
// files, and the big ones loaded only when needed (SDKs, drivers).
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// One build per checkout: worktrees may share a node_modules folder.
const OUT_DIR = path.join(REPO, "node_modules", ".cache", "anomstack-cli", createHash("sha256").update(REPO).digest("hex").slice(0, 12));
const OUT = path.join(OUT_DIR, "cli.mjs");
const MANIFEST = path.join(OUT_DIR, "manifest.json");
/** This file is an input too: a build made by other options is not used. */
const SELF = "scripts/cli-build.mjs";

/** The Windmill stage scripts (`f/anomstack/*.ts`) that the flow runner imports by path. */
function stageScripts() {
  return fs
    .readdirSync(path.join(REPO, "f/anomstack"))
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => `f/anomstack/${f}`);
}

function stamp(rel) {
  const s = fs.statSync(path.join(REPO, rel));
  return `${s.size}:${s.mtimeMs}`;
}

function isFresh() {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(MANIFEST, "utf8"));
  } catch {
    return false;
  }
  if (manifest.self !== stamp(SELF) || !fs.existsSync(OUT)) return false;
  if (JSON.stringify(manifest.stages) !== JSON.stringify(stageScripts())) return false;
  try {
    for (const [rel, s] of Object.entries(manifest.inputs)) if (stamp(rel) !== s) return false;
  } catch {
    return false; // an input is gone
  }
  return true;
}

/** Packages compiled into the build (with their dependencies); every other one is loaded from node_modules. */
const BUNDLED = new Set([
  "yaml",
  "zod",
  "nunjucks",
  "cron-parser",
  "luxon",
  "commander",
  "cli-table3",
  "fastest-levenshtein",
  "ml-matrix",
  "ml-pca",
  "windmill-client",
]);

function packageName(spec) {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Bare imports of packages not in BUNDLED stay imports (from the repository's node_modules). */
const externalPackages = {
  name: "external-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("node:")) return { path: args.path, external: true };
      // Inside a bundled package, its own dependencies are bundled with it.
      const fromBundled = args.importer.includes(`${path.sep}node_modules${path.sep}`);
      if (BUNDLED.has(packageName(args.path)) || fromBundled) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** Each repository file's `import.meta.url` stays its own (the CLI finds the repository from it). */
const keepImportMetaUrl = {
  name: "keep-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.(ts|mjs)$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = await fs.promises.readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      return {
        contents: text.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)),
        loader: args.path.endsWith(".ts") ? "ts" : "js",
      };
    });
  },
};

/**
 * `main`'s parameters of a stage script as the flow runner's `mainParameters` reads them (Windmill's
 * parser: names, and those typed datetime), so a command does not load the parser to run a step.
 */
function mainParameters(parser, rel) {
  const args = JSON.parse(parser.parse_deno(fs.readFileSync(path.join(REPO, rel), "utf8"))).args;
  return { names: args.map((a) => a.name), dates: args.filter((a) => a.typ === "datetime").map((a) => a.name) };
}

async function build() {
  const esbuild = await import("esbuild");
  const parser = await import("windmill-parser-wasm-ts");
  parser.initSync({ module: fs.readFileSync(require.resolve("windmill-parser-wasm-ts/windmill_parser_wasm_bg.wasm")) });
  const stages = stageScripts();
  const entry = [
    `import { registerScriptModules } from "./scripts/flow-runner/script-modules.ts";`,
    `import { beforeImportingTypeScript } from "./f/anomstack/core/module-import.ts";`,
    `registerScriptModules(${JSON.stringify(REPO)}, {`,
    ...stages.map(
      (s) => `  ${JSON.stringify(s)}: { load: () => import(${JSON.stringify(`./${s}`)}), main: ${JSON.stringify(mainParameters(parser, s))} },`,
    ),
    `});`,
    // A batch's own TypeScript modules (ingest_fn, preprocess_fn outside the generated bundle) still need tsx.
    `let tsx;`,
    `beforeImportingTypeScript(() => (tsx ??= import("tsx/esm/api").then((m) => void m.register())));`,
    `await import("./scripts/cli/main.ts");`,
  ].join("\n");
  const result = await esbuild.build({
    stdin: { contents: entry, resolveDir: REPO, sourcefile: "anomstack-cli-entry.ts", loader: "ts" },
    absWorkingDir: REPO,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Modules imported with import() become chunks of their own, with the packages only they import
    // (the S3 and GCS clients of the model store): loaded when used, not by every command.
    splitting: true,
    outdir: OUT_DIR,
    entryNames: "cli",
    chunkNames: "chunk-[hash]",
    outExtension: { ".js": ".mjs" },
    write: false,
    metafile: true,
    sourcemap: "linked",
    // CommonJS packages compiled in call require() for Node's built-ins.
    banner: {
      js: 'import { createRequire as __anomstackCreateRequire } from "node:module"; const require = __anomstackCreateRequire(import.meta.url);',
    },
    logLevel: "silent",
    plugins: [externalPackages, keepImportMetaUrl],
  });
  const inputs = {};
  for (const rel of Object.keys(result.metafile.inputs)) {
    if (rel.startsWith("<stdin>") || rel === "anomstack-cli-entry.ts" || rel.startsWith("node_modules/")) continue;
    inputs[rel] = stamp(rel);
  }
  fs.mkdirSync(OUT_DIR, { recursive: true });
  // Written beside, then renamed: a process starting meanwhile sees the old build or the new, never half.
  const tmp = `.${process.pid}.tmp`;
  // Chunks are named by their content, so a running process never sees one change; the entry goes last.
  const files = [...result.outputFiles].sort((a, b) => Number(a.path === OUT) - Number(b.path === OUT));
  for (const f of files) {
    fs.writeFileSync(f.path + tmp, f.contents);
    fs.renameSync(f.path + tmp, f.path);
  }
  // Chunks of earlier builds, once no process started before could still load them.
  const current = new Set(files.map((f) => path.basename(f.path)));
  for (const name of fs.readdirSync(OUT_DIR)) {
    const file = path.join(OUT_DIR, name);
    if (
      name.startsWith("chunk-") &&
      !current.has(name.replace(/\.map$/, "")) &&
      !current.has(name) &&
      Date.now() - fs.statSync(file).mtimeMs > 3_600_000
    ) {
      fs.rmSync(file, { force: true });
    }
  }
  fs.writeFileSync(MANIFEST + tmp, JSON.stringify({ self: stamp(SELF), stages, inputs }));
  fs.renameSync(MANIFEST + tmp, MANIFEST);
}

/**
 * The path of a fresh build of the CLI, building it when needed; undefined when it cannot be built
 * (the caller then runs the TypeScript through tsx). ANOMSTACK_CLI_BUILD=0 always says undefined.
 */
export async function freshCliBuild() {
  if (process.env.ANOMSTACK_CLI_BUILD === "0") return undefined;
  if (isFresh()) return OUT;
  try {
    await build();
    return OUT;
  } catch (e) {
    if (process.env.ANOMSTACK_LOG_LEVEL === "debug") process.stderr.write(`anomstack: CLI build failed, running through tsx: ${e.message}\n`);
    return undefined;
  }
}
