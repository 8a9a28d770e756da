import { DuckDBInstance, DuckDBDataChunk, DOUBLE, INTEGER, BIGINT } from "@duckdb/node-api";
const db = await DuckDBInstance.create(":memory:");
const con = await db.connect();
const n = 1_000_000;
const rows = Array.from({ length: n }, (_, i) => ({ metric_timestamp: new Date(1.7e12 + Math.floor(i / 100) * 60000), metric_batch: "b", metric_name: `m${i % 100}`, metric_type: "metric", metric_value: i / 7, metadata: "" }));
let t = performance.now();
const ids = new Map<string, number>(); const sids = new Array<number>(n); const ts = new Array<number>(n); const vs = new Array<number>(n); const mids = new Array<number>(n);
for (let i = 0; i < n; i++) { const r = rows[i]; const k = `${r.metric_batch}\u0001${r.metric_name}\u0001${r.metric_type}`; let s = ids.get(k); if (s === undefined) { s = ids.size; ids.set(k, s); } sids[i] = s; ts[i] = r.metric_timestamp.getTime(); vs[i] = r.metric_value; mids[i] = 0; }
console.log("loop", performance.now() - t); t = performance.now();
const big = ts.map((x) => BigInt(x) * 1000n);
console.log("bigint", performance.now() - t); t = performance.now();
await con.run(`CREATE TEMP TABLE p1 (ts BIGINT, sid INTEGER, mid INTEGER, v DOUBLE)`);
let a = await con.createAppender("p1", "main", "temp");
for (let s = 0; s < n; s += 2048) { const e = Math.min(n, s + 2048); const c = DuckDBDataChunk.create([BIGINT, INTEGER, INTEGER, DOUBLE], e - s); c.setColumns([big.slice(s, e), sids.slice(s, e), mids.slice(s, e), vs.slice(s, e)]); a.appendDataChunk(c); }
a.closeSync();
console.log("chunks bigint", performance.now() - t); t = performance.now();
await con.run(`CREATE TEMP TABLE p2 (ts DOUBLE, sid INTEGER, mid INTEGER, v DOUBLE)`);
a = await con.createAppender("p2", "main", "temp");
for (let s = 0; s < n; s += 2048) { const e = Math.min(n, s + 2048); const c = DuckDBDataChunk.create([DOUBLE, INTEGER, INTEGER, DOUBLE], e - s); c.setColumns([ts.slice(s, e), sids.slice(s, e), mids.slice(s, e), vs.slice(s, e)]); a.appendDataChunk(c); }
a.closeSync();
console.log("chunks double", performance.now() - t); t = performance.now();
