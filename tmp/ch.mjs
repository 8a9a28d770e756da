import { createClient } from "@clickhouse/client";
const c = createClient({ url: "http://127.0.0.1:18123", username: "default", password: "", log: { level: 127 } });
const q = async (query, extra = {}) => {
  try {
    const r = await c.query({ query, format: "JSON", ...extra });
    const j = await r.json();
    console.log("OK", query.slice(0, 60), JSON.stringify(j.meta), JSON.stringify(j.data));
  } catch (e) {
    console.log("ERR", query.slice(0, 60), e.message.slice(0, 150));
  }
};
const cmd = async (query) => {
  try {
    await c.command({ query });
    console.log("OK", query.slice(0, 60));
  } catch (e) {
    console.log("ERR", query.slice(0, 60), e.message.slice(0, 150));
  }
};
await cmd("create database if not exists tmp");
await cmd(
  "create table if not exists tmp.t1 (metric_timestamp DateTime('UTC'), metric_batch String, metric_name String, metric_type String, metric_value Float64, metadata String default '') engine = MergeTree() order by (metric_batch, metric_name, metric_type, metric_timestamp)",
);
try {
  await c.insert({
    table: "tmp.t1",
    values: [
      { metric_timestamp: "2024-01-01 00:00:00", metric_batch: "b", metric_name: "n", metric_type: "metric", metric_value: 1.5, metadata: "" },
    ],
    format: "JSONEachRow",
  });
  console.log("insert ok");
} catch (e) {
  console.log("insert", e.message);
}
await q(
  "select *, toUnixTimestamp(metric_timestamp) e, 1 as i, toInt64(2) j, count() c from tmp.t1 group by metric_timestamp, metric_batch, metric_name, metric_type, metric_value, metadata limit 1 by metric_name",
);
await q("select {a:String} as a, {d:DateTime} as d", { query_params: { a: "it's", d: "2024-01-01 00:00:00" } });
await q("select toDateTime('2024-01-01 00:00:00', 'UTC') - toIntervalDay(3) as x, now() n, cast('2024-01-01 00:00:00' as DateTime) y");
await q("select avgIf(metric_value, metric_type = 'metric') a, countIf(metric_type='x') b from tmp.t1");
await q("select avg(metric_value) filter (where metric_type = 'metric') a from tmp.t1");
await q("with v as (select 1 x) select * from v");
await q("select metric_name, max(metric_timestamp) over (partition by metric_name) from tmp.t1");
await q("select a.x, b.y from (select 1 x) a left join (select 2 x, 3 y) b on b.x = a.x");
await q("select a.x, b.y from (select 1 x, 5 z) a left join (select 2 x, 3 y, 5 z) b on b.x = a.x and b.z = a.z");
await cmd("alter table tmp.t1 delete where metric_batch = 'zz'");
await q("select least(coalesce(null, 0), 1) l, ifNull(null, 2) i, greatest(1,2) g");
await q("select version()");
await c.close();
