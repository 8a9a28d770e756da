// Offline verification of the workspace: `wmill lint`, the Windmill YAML validator, and our own checks
// of what they do not cover — each shown to catch the mistake it is for.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { verifyWorkspace } from "../../scripts/generate/verify.ts";
import { REPO_DIR } from "../helpers/workspace.ts";

describe("the committed workspace", () => {
  it("passes wmill lint", () => {
    const r = spawnSync(path.join(REPO_DIR, "node_modules/.bin/wmill"), ["lint", "f", "--json"], {
      cwd: REPO_DIR,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
    expect(report).toMatchObject({ success: true, invalidFiles: 0, issues: [] });
    expect(report.validatedFiles).toBeGreaterThanOrEqual(30);
  });

  it("passes the YAML validator and every check of verifyWorkspace", () => {
    expect(verifyWorkspace(REPO_DIR)).toEqual([]);
  });
});

/** A workspace with one stage script (and its metadata) plus the given files. */
function workspace(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-verify-"));
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  write("f/x/job.ts", "// A job.\n//nobundling\nexport async function main(batch: string, now = '') { return { batch, now }; }\n");
  write(
    "f/x/job.script.yaml",
    "summary: job\ndescription: ''\nlock: ''\nkind: script\nschema:\n  type: object\n  properties:\n    batch: { type: string }\n    now: { type: string, default: '' }\n  required: [batch]\n",
  );
  for (const [rel, text] of Object.entries(files)) write(rel, text);
  return root;
}

const step = (id: string, extra = "", inputs = "batch: { type: static, value: b }") =>
  `    - id: ${id}\n      value:\n        type: script\n        path: f/x/job\n        input_transforms: { ${inputs} }\n${extra}`;
const flow = (modules: string, tail = "") =>
  `summary: t\nvalue:\n  modules:\n${modules}${tail}schema: { type: object, properties: {}, required: [] }\n`;

describe("verifyWorkspace catches", () => {
  it("a good flow: nothing", () => {
    const root = workspace({ "f/x/ok.flow/flow.yaml": flow(step("a") + step("b", "", "batch: { type: javascript, expr: results.a.batch }")) });
    expect(verifyWorkspace(root)).toEqual([]);
  });

  it("unknown keys the validator lets through (a misspelt retry)", () => {
    const root = workspace({ "f/x/t.flow/flow.yaml": flow(step("a", "      retyr: { constant: { attempts: 2, seconds: 1 } }\n")) });
    expect(verifyWorkspace(root)).toEqual([{ file: "f/x/t.flow/flow.yaml", message: "unknown key /value/modules/0/retyr" }]);
  });

  it("results of a later step, and a script that does not exist", () => {
    const root = workspace({
      "f/x/t.flow/flow.yaml": flow(
        step("a", "", "batch: { type: javascript, expr: results.b }") +
          "    - id: b\n      value:\n        type: script\n        path: f/x/nope\n        input_transforms: {}\n",
      ),
    });
    expect(verifyWorkspace(root).map((p) => p.message)).toEqual([
      "step a: results.b does not refer to an earlier step",
      "step b: script f/x/nope does not exist (f/x/nope.ts)",
    ]);
  });

  it("inputs the script does not take and required inputs that are missing", () => {
    const root = workspace({ "f/x/t.flow/flow.yaml": flow(step("a", "", "bacth: { type: static, value: b }")) });
    expect(verifyWorkspace(root).map((p) => p.message)).toEqual([
      'step a: input "bacth" is not a parameter of f/x/job',
      'step a: required input "batch" of f/x/job is not given',
    ]);
  });

  it("a missing !inline file and a duplicate step id", () => {
    const raw =
      "    - id: a\n      value:\n        type: rawscript\n        language: bun\n        content: '!inline a.inline_script.ts'\n        input_transforms: {}\n";
    const root = workspace({ "f/x/t.flow/flow.yaml": flow(raw + step("a")) });
    expect(verifyWorkspace(root).map((p) => p.message)).toEqual([
      "step a: content refers to the missing file a.inline_script.ts",
      'step id "a" is used twice',
    ]);
  });

  it("schedules: five-field or invalid crons, numbered weekdays, unknown time zones, missing targets", () => {
    const sched = (cron: string, tz: string, target = "f/x/job") =>
      `schedule: '${cron}'\ntimezone: ${tz}\nscript_path: ${target}\nis_flow: false\nenabled: true\nargs: {}\n`;
    const root = workspace({
      "f/x/a.schedule.yaml": sched("*/5 * * * *", "Etc/UTC"),
      "f/x/b.schedule.yaml": sched("0 0 9 * * 1-5", "Mars/Olympus"),
      "f/x/c.schedule.yaml": sched("0 61 * * * *", "Etc/UTC", "f/x/gone"),
    });
    const msgs = verifyWorkspace(root).map((p) => `${p.file}: ${p.message}`);
    expect(msgs).toContain('f/x/a.schedule.yaml: schedule "*/5 * * * *" must have 6 fields (seconds first), has 5');
    expect(msgs).toContain(
      'f/x/b.schedule.yaml: schedule "0 0 9 * * 1-5": write days of the week as names (MON-FRI), Windmill numbers them differently from Unix cron',
    );
    expect(msgs).toContain('f/x/b.schedule.yaml: timezone "Mars/Olympus" is not an IANA time zone');
    expect(msgs).toContain("f/x/c.schedule.yaml: script_path f/x/gone does not resolve to a script in the repository");
    expect(msgs.some((m) => m.startsWith('f/x/c.schedule.yaml: schedule "0 61 * * * *" is not a valid cron expression'))).toBe(true);
  });

  it("a script without metadata and what the validator itself rejects", () => {
    const root = workspace({
      "f/x/lib.ts": "export const x = 1;\n",
      "f/x/t.http_trigger.yaml":
        "script_path: f/x/job\nis_flow: false\nroute_path: /r\nhttp_method: POST\nrequest_type: async\nauthentication_method: windmill\nis_static_website: false\nworkspaced_route: false\nwrap_body: false\nraw_string: false\n",
    });
    const msgs = verifyWorkspace(root).map((p) => `${p.file}: ${p.message}`);
    expect(msgs).toContain("f/x/lib.ts: has no .script.yaml (run npm run generate)");
    expect(msgs).toContain('f/x/t.http_trigger.yaml: route_path must not start with "/"');
    expect(msgs.some((m) => m.startsWith("f/x/t.http_trigger.yaml: schema: /http_method"))).toBe(true);
  });

  it("a script Windmill would bundle: no //nobundling in its leading comment lines (a blank line ends them)", () => {
    const root = workspace({
      "f/x/late.ts": "// A library.\n\n//nobundling\nexport const x = 1;\n",
      "f/x/late.script.yaml": "summary: late\ndescription: ''\nlock: ''\nkind: script\nno_main_func: true\n",
    });
    expect(verifyWorkspace(root)).toEqual([
      { file: "f/x/late.ts", message: "would be bundled by Windmill's workers: add //nobundling to its leading // comment lines" },
    ]);
  });

  it("an entry script without its lock, or with a lock that floats", () => {
    const meta = (lock: string) =>
      `summary: s\ndescription: ''\nlock: '${lock}'\nkind: script\nschema:\n  type: object\n  properties:\n    batch: { type: string }\n  required: [batch]\n`;
    const main = "// S.\n//nobundling\nexport async function main(batch: string) { return batch; }\n";
    const root = workspace({
      "f/anomstack/a.ts": main,
      "f/anomstack/a.script.yaml": meta(""),
      "f/anomstack/b.ts": main,
      "f/anomstack/b.script.yaml": meta("!inline f/anomstack/b.script.lock"),
      "f/anomstack/b.script.lock": '{ "dependencies": { "yaml": "latest", "zod": "4.6.7" } }\n//bun.lock\n{ "lockfileVersion": 1, }\n',
      "f/anomstack/c.ts": main,
      "f/anomstack/c.script.yaml": meta("!inline f/anomstack/c.script.lock"),
      "f/anomstack/c.script.lock": '{ "dependencies": {} }\n',
    });
    expect(verifyWorkspace(root).map((p) => `${p.file}: ${p.message}`)).toEqual([
      "f/anomstack/a.script.yaml: has no lock: the server would lock its packages at their latest versions (run npm run generate)",
      "f/anomstack/b.script.yaml: f/anomstack/b.script.lock does not pin yaml@latest to an exact version",
      "f/anomstack/c.script.yaml: f/anomstack/c.script.lock has no //bun.lock line between its package.json and its bun.lock",
    ]);
  });
});
