// Every entry script must survive Windmill's pre-bundling, or opt out of it. On deploy the lock job of a
// Bun script, and without `//nobundling` also its first run, bundles the whole import graph with
// Bun.build (target bun, external ["electron"] only, node_modules included; bun_executor.rs
// `prebundle_bun_script` / `build_loader`, /work/notes/windmill-facts.md §1.2, §1.5). A build error fails
// the lock, and flows only run locked scripts (§1.3). `//nobundling` in the leading `//` block skips it
// (§1.4). @duckdb/node-api cannot be bundled (its bindings require every platform's package), so every
// script reaching the DuckDB store needs the annotation.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_DIR } from "../helpers/workspace.ts";
import { tsAnnotations } from "./helpers/annotations.ts";

const ENTRY_SCRIPTS = fs
  .readdirSync(path.join(REPO_DIR, "f/anomstack"))
  .filter((f) => f.endsWith(".ts"))
  .sort();

describe("the annotation parser", () => {
  it("reads only the leading // block, the whole trimmed line as the key", () => {
    expect(tsAnnotations("//nobundling\nexport const x = 1;").has("nobundling")).toBe(true);
    expect(tsAnnotations("// What this is.\n//  nobundling  \n// more\nimport x from 'y';").has("nobundling")).toBe(true);
    expect(tsAnnotations("// nobundling: because DuckDB\n").has("nobundling")).toBe(false);
    expect(tsAnnotations("\n//nobundling\n").has("nobundling")).toBe(false);
    expect(tsAnnotations("// a\n\n//nobundling\n").has("nobundling")).toBe(false);
    expect(tsAnnotations("/** doc */\n//nobundling\n").has("nobundling")).toBe(false);
    expect(tsAnnotations(" //nobundling\n").has("nobundling")).toBe(false);
  });
});

/** Bun.build of each script as the lock job's pre-bundle does it, in one Bun process. */
function bundleAll(scripts: string[]): Record<string, { ok: boolean; logs: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-bundle-"));
  const builder = path.join(dir, "build.ts");
  fs.writeFileSync(
    builder,
    `const out: Record<string, { ok: boolean; logs: string }> = {};
     for (const s of ${JSON.stringify(scripts)}) {
       try {
         const r = await Bun.build({ entrypoints: [s], outdir: ${JSON.stringify(path.join(dir, "out"))} + "/" + s.split("/").pop(),
           target: "bun", external: ["electron"], minify: { syntax: true } });
         out[s] = { ok: r.success, logs: r.logs.map(String).join("\\n") };
       } catch (e) {
         out[s] = { ok: false, logs: String((e as any)?.errors?.map?.(String)?.join("\\n") ?? e) };
       }
     }
     console.log(JSON.stringify(out));`,
  );
  const r = spawnSync(path.join(REPO_DIR, "node_modules/.bin/bun"), [builder], {
    cwd: REPO_DIR,
    encoding: "utf8",
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`bun failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
}

describe("every entry script locks on a Bun worker", () => {
  let built: Record<string, { ok: boolean; logs: string }> = {};
  const code = (f: string) => fs.readFileSync(path.join(REPO_DIR, "f/anomstack", f), "utf8");
  beforeAll(() => {
    const toBundle = ENTRY_SCRIPTS.filter((f) => !tsAnnotations(code(f)).has("nobundling")).map((f) => path.join(REPO_DIR, "f/anomstack", f));
    built = toBundle.length ? bundleAll(toBundle) : {};
  }, 600_000);

  it("there are entry scripts", () => {
    expect(ENTRY_SCRIPTS.length).toBeGreaterThanOrEqual(15);
  });

  for (const f of ENTRY_SCRIPTS) {
    it(`f/anomstack/${f}: opts out of bundling (//nobundling in its leading // block) or bundles like the lock job`, () => {
      if (tsAnnotations(code(f)).has("nobundling")) return;
      const b = built[path.join(REPO_DIR, "f/anomstack", f)];
      expect(b, "not built").toBeDefined();
      expect(
        b.ok,
        `Bun.build (target bun, external electron) failed; add //nobundling to the header, or remove what cannot be bundled:\n${b.logs.slice(0, 1500)}`,
      ).toBe(true);
    });
  }
});
