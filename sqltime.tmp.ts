import { DuckDBInstance } from "@duckdb/node-api";
import { loadBatch, renderTemplate } from "./f/anomstack/config/index.ts";
const [dir, key, ...rest] = process.argv.slice(2);
process.env.ANOMSTACK_METRICS_DIR = `${dir}/metrics`;
const cfg = loadBatch("scale", { metricsDir: `${dir}/metrics` });
const extra: Record<string, unknown> = { now: new Date("2026-01-15T12:10:00Z"), score_history_n: 125 };
const sql = renderTemplate(cfg, key, extra);
const inst = await DuckDBInstance.create(`${dir}/data/bench.duckdb`);
const con = await inst.connect();
if (rest.includes("1")) await con.run("SET threads = 1");
for (let i = 0; i < 2; i++) {
  const t = process.cpuUsage();
  const a = performance.now();
  const r = await con.runAndReadAll(sql);
  const c = process.cpuUsage(t);
  console.log(key, r.currentRowCount, "rows", (performance.now() - a).toFixed(0), "ms wall", ((c.user + c.system) / 1000).toFixed(0), "ms cpu");
}
if (rest.includes("explain")) {
  const r = await con.runAndReadAll("EXPLAIN ANALYZE " + sql);
  console.log(
    r
      .getRows()
      .map((x) => x[1])
      .join("\n"),
  );
}
