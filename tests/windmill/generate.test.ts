// The generator: deterministic output that matches the committed files, script schemas exactly as
// Windmill's parser derives them, valid path segments, config errors reported before anything is written.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { drift, plan, runGenerate } from "../../scripts/generate/main.ts";
import { batchSegment, batchSegments } from "../../scripts/generate/paths.ts";
import { inferMainSchema, mainParamDocs } from "../../scripts/generate/script-metadata.ts";
import { toWindmillCron } from "../../scripts/generate/flows.ts";
import { JOB_NAMES } from "../../f/anomstack/config/index.ts";
import { REPO_DIR } from "../helpers/workspace.ts";

/** Every entry script: each .ts file at the top of f/anomstack (the stage scripts and the dashboard's). */
const ENTRY_SCRIPTS = fs
  .readdirSync(path.join(REPO_DIR, "f/anomstack"))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3))
  .sort();

function stripDescriptions(schema: any): any {
  const out = structuredClone(schema);
  for (const p of Object.values(out.properties ?? {}) as any[]) delete p.description;
  return out;
}

describe("npm run generate", () => {
  it("leaves the committed tree unchanged (the generated files are up to date)", () => {
    expect(drift(REPO_DIR, plan({ root: REPO_DIR, env: {} }))).toEqual([]);
  });

  it("is deterministic", () => {
    const a = plan({ root: REPO_DIR, env: {} });
    const b = plan({ root: REPO_DIR, env: {} });
    expect([...a.files]).toEqual([...b.files]);
    // (llmalert and plot flows appear once those stage scripts exist and the batch enables them)
    expect(a.flows.filter((f) => !/llmalert|plot/.test(f))).toEqual([
      "f/anomstack/batches/example_simple/ingest",
      "f/anomstack/batches/example_simple/train",
      "f/anomstack/batches/example_simple/score",
      "f/anomstack/batches/example_simple/alert",
      "f/anomstack/batches/example_simple/change",
      "f/anomstack/batches/example_simple/deliver",
      "f/anomstack/batches/example_simple/delete",
      "f/anomstack/batches/example_simple/pipeline",
      "f/anomstack/batches/python_ingest_simple/ingest",
      "f/anomstack/batches/python_ingest_simple/tholdalert",
      "f/anomstack/batches/python_ingest_simple/train",
      "f/anomstack/batches/python_ingest_simple/score",
      "f/anomstack/batches/python_ingest_simple/alert",
      "f/anomstack/batches/python_ingest_simple/change",
      "f/anomstack/batches/python_ingest_simple/deliver",
      "f/anomstack/batches/python_ingest_simple/delete",
      "f/anomstack/batches/python_ingest_simple/pipeline",
    ]);
  });

  it("has a stage script for every job of the job table", () => {
    expect(JOB_NAMES.filter((j) => !ENTRY_SCRIPTS.includes(j))).toEqual([]);
    expect(ENTRY_SCRIPTS.length).toBeGreaterThanOrEqual(15);
  });

  for (const stage of ENTRY_SCRIPTS) {
    it(`${stage}.script.yaml has exactly the schema Windmill derives from main, with every parameter documented`, () => {
      const code = fs.readFileSync(path.join(REPO_DIR, `f/anomstack/${stage}.ts`), "utf8");
      const meta = parseYaml(fs.readFileSync(path.join(REPO_DIR, `f/anomstack/${stage}.script.yaml`), "utf8"));
      expect(stripDescriptions(meta.schema)).toEqual(stripDescriptions(inferMainSchema(code)));
      // every job of a batch takes the batch by name; the global ones (summary, dashboard) do not
      if ((JOB_NAMES as readonly string[]).includes(stage) && stage !== "summary") expect(meta.schema.required).toContain("batch");
      const docs = mainParamDocs(code);
      for (const [name, prop] of Object.entries(meta.schema.properties) as [string, any][]) {
        expect(prop.description, `${stage}.${name}`).toBe(docs[name]);
        expect(prop.description.length, `${stage}.${name}`).toBeGreaterThan(10);
      }
    });
  }

  it("shared modules are libraries (no_main_func) with the file's header as summary", () => {
    const meta = parseYaml(fs.readFileSync(path.join(REPO_DIR, "f/anomstack/rules/alert-rule.script.yaml"), "utf8"));
    expect(meta).toMatchObject({ kind: "script", no_main_func: true, lock: "", schema: { properties: {}, required: [] } });
    expect(meta.summary).toMatch(/^The anomaly-alert rule/);
  });
});

describe("Windmill paths and crons", () => {
  it("turns batch names into valid path segments deterministically and rejects collisions", () => {
    expect(batchSegment("sales.eu v2")).toBe("sales_eu_v2");
    expect(batchSegment("ok-name_1")).toBe("ok-name_1");
    expect([...batchSegments(["b", "a.x"])]).toEqual([
      ["a.x", "a_x"],
      ["b", "b"],
    ]);
    expect(() => batchSegments(["a.x", "a x"])).toThrow('batches "a x" and "a.x" both become the Windmill path segment "a_x"; rename one of them');
  });

  it("writes six-field crons with named days of the week", () => {
    expect(toWindmillCron("*/5 * * * *")).toBe("0 */5 * * * *");
    expect(toWindmillCron("0 9 * * 1-5")).toBe("0 0 9 * * MON-FRI");
    expect(toWindmillCron("0 6 * * 0,7")).toBe("0 0 6 * * SUN,SUN");
    expect(toWindmillCron("30 0 6 * * *")).toBe("30 0 6 * * *");
  });
});

describe("generating from a metrics folder", () => {
  function tempRoot(batchYaml: string): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "anomstack-gen-"));
    fs.cpSync(path.join(REPO_DIR, "metrics/defaults"), path.join(root, "metrics/defaults"), { recursive: true });
    fs.mkdirSync(path.join(root, "metrics/b"), { recursive: true });
    fs.writeFileSync(path.join(root, "metrics/b/b.yaml"), batchYaml);
    // the scripts (not the generated files), and the repo's dependencies for the workers' lock
    fs.cpSync(path.join(REPO_DIR, "f/anomstack"), path.join(root, "f/anomstack"), {
      recursive: true,
      filter: (src) => !/[/\\](batches|generated|dashboard\.raw_app)$/.test(src),
    });
    fs.copyFileSync(path.join(REPO_DIR, "package-lock.json"), path.join(root, "package-lock.json"));
    fs.cpSync(path.join(REPO_DIR, "scripts/generate/worker-deps"), path.join(root, "scripts/generate/worker-deps"), { recursive: true });
    return root;
  }

  it("reports an invalid cron with the batch and key, and writes nothing", () => {
    const root = tempRoot("metric_batch: my.batch\ningest_sql: select 1\ntrain_cron_schedule: '61 * * * *'\n");
    const before = fs.readdirSync(path.join(root, "f/anomstack")).sort();
    expect(() => runGenerate({ root, env: {}, print: () => {} })).toThrow(
      /b\.yaml: my\.batch\.train_cron_schedule: invalid cron expression "61 \* \* \* \*"/,
    );
    expect(fs.readdirSync(path.join(root, "f/anomstack")).sort()).toEqual(before);
  });

  it("schedules enabled jobs only, with their status, time zone and a sanitized folder", () => {
    const root = tempRoot(
      "metric_batch: my.batch\ningest_sql: select 1\ndisable_change: true\ningest_default_schedule_status: RUNNING\nschedule_timezone: Europe/Dublin\nalert_cron_schedule: '0 9 * * 1-5'\n",
    );
    const p = plan({ root, env: {} });
    const dir = "f/anomstack/batches/my_batch";
    expect(p.files.has(`${dir}/change.flow/flow.yaml`)).toBe(false);
    expect(p.files.has(`${dir}/change.schedule.yaml`)).toBe(false);
    const ingest = parseYaml(p.files.get(`${dir}/ingest.schedule.yaml`)!);
    expect(ingest).toMatchObject({
      schedule: "0 */3 * * * *",
      timezone: "Europe/Dublin",
      enabled: true,
      is_flow: true,
      script_path: `${dir}/ingest`,
    });
    expect(parseYaml(p.files.get(`${dir}/alert.schedule.yaml`)!)).toMatchObject({ schedule: "0 0 9 * * MON-FRI", enabled: false });
    const pipeline = parseYaml(p.files.get(`${dir}/pipeline.flow/flow.yaml`)!);
    expect(pipeline.value.modules.map((m: any) => m.id)).toEqual(["ingest", "score_plan", "score", "alert", "deliver", "plot"]);
    expect(pipeline.value.modules[0].value.input_transforms.batch).toEqual({ type: "static", value: "my.batch" });
    expect(parseYaml(p.files.get(`${dir}/pipeline.http_trigger.yaml`)!)).toMatchObject({
      route_path: "anomstack/my_batch/pipeline",
      http_method: "post",
    });
    // written, then regenerated: nothing changes
    expect(runGenerate({ root, env: {}, print: () => {} })).toBe(0);
    expect(drift(root, plan({ root, env: {} }))).toEqual([]);
  });

  it("removes the files of a batch that is gone", () => {
    const root = tempRoot("metric_batch: old\ningest_sql: select 1\n");
    runGenerate({ root, env: {}, print: () => {} });
    expect(fs.existsSync(path.join(root, "f/anomstack/batches/old/ingest.flow/flow.yaml"))).toBe(true);
    fs.writeFileSync(path.join(root, "metrics/b/b.yaml"), "metric_batch: new\ningest_sql: select 1\n");
    const lines: string[] = [];
    runGenerate({ root, env: {}, print: (l) => lines.push(l) });
    expect(fs.existsSync(path.join(root, "f/anomstack/batches/old"))).toBe(false);
    expect(lines).toContain("  deleted f/anomstack/batches/old/ingest.flow/flow.yaml");
    expect(runGenerate({ root, env: {}, check: true, print: () => {} })).toBe(0);
  });
});
