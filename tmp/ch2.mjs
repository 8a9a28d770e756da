import { createClient } from "@clickhouse/client";
const c = createClient({ url: "http://127.0.0.1:18123", clickhouse_settings: { join_use_nulls: 1 } });
const q = async (query) => {
  try {
    const r = await c.query({ query, format: "JSON" });
    const j = await r.json();
    console.log("OK", JSON.stringify(j.meta.map((m) => m.name + ":" + m.type)), JSON.stringify(j.data).slice(0, 300));
  } catch (e) {
    console.log("ERR", e.message.slice(0, 200));
  }
};
await c.command({ query: "drop table if exists tmp.t2" });
await c.command({
  query:
    "create table tmp.t2 (metric_timestamp DateTime('UTC'), metric_batch String, metric_name String, metric_type String, metric_value Float64, metadata String default '') engine = MergeTree() order by (metric_batch, metric_name, metric_type, metric_timestamp)",
});
await c.insert({
  table: "tmp.t2",
  values: [1, 2, 3].flatMap((i) => [
    { metric_timestamp: `2024-01-01 00:0${i}:00`, metric_batch: "b", metric_name: "n", metric_type: "metric", metric_value: i },
    ...(i < 3
      ? [{ metric_timestamp: `2024-01-01 00:0${i}:00`, metric_batch: "b", metric_name: "n", metric_type: "score", metric_value: i / 10 }]
      : []),
  ]),
  format: "JSONEachRow",
});
const pp = (type, alias) =>
  `select m.metric_timestamp as metric_timestamp, m.metric_name as metric_name, avg(m.metric_value) as ${alias} from tmp.t2 as m where m.metric_batch = 'b' and m.metric_type = '${type}' and m.metric_timestamp <= toDateTime('2024-01-02 00:00:00', 'UTC') and m.metric_timestamp >= toDateTime('2024-01-02 00:00:00', 'UTC') - toIntervalDay(3) group by m.metric_timestamp, m.metric_name`;
await q(pp("metric", "metric_value"));
await q(
  `select v.metric_timestamp as metric_timestamp, v.metric_name as metric_name, v.metric_value as metric_value, s.metric_score as metric_score from (${pp("metric", "metric_value")}) v left join (${pp("score", "metric_score")}) s on s.metric_timestamp = v.metric_timestamp and s.metric_name = v.metric_name`,
);
await q(
  `select * from (select v.metric_timestamp as metric_timestamp, v.metric_name as metric_name, v.metric_value as metric_value, s.metric_score as metric_score from (${pp("metric", "metric_value")}) v left join (${pp("score", "metric_score")}) s on s.metric_timestamp = v.metric_timestamp and s.metric_name = v.metric_name) r order by metric_name, metric_timestamp desc limit 2 by metric_name`,
);
await q(
  `select metric_timestamp, metric_name, metric_value from (select * from (${pp("metric", "metric_value")}) r order by metric_name, metric_timestamp desc limit 2 by metric_name) order by metric_name, metric_timestamp`,
);
await q(
  `select m.metric_timestamp as metric_timestamp, m.metric_name as metric_name, avgIf(m.metric_value, m.metric_type = 'metric') as metric_value, maxIf(m.metadata, m.metric_type = 'llmalert') as md, avgIf(m.metric_value, m.metric_type = 'zz') as nothing, sumIf(m.metric_value, m.metric_type = 'zz') as s0 from tmp.t2 as m group by m.metric_timestamp, m.metric_name`,
);
await q(
  `select avg(case when m.metric_type = 'zz' then m.metric_value end) a, max(case when m.metric_type='zz' then m.metadata end) b, coalesce(max(case when m.metric_type='zz' then m.metadata end), '') c from tmp.t2 as m`,
);
await q(
  `select m.metric_name as metric_name, count() as n_points, count(m.metric_value) as k, argMax(m.metric_value, m.metric_timestamp) as lv, max(m.metric_timestamp) as last_timestamp, least(coalesce(null, 0), 1) as l from tmp.t2 as m group by m.metric_name order by metric_name`,
);
await q(
  `select a.metric_name, n.newest from (select 'n' as metric_name) a join (select m.metric_name as metric_name, max(m.metric_timestamp) as newest from tmp.t2 as m group by m.metric_name) n on n.metric_name = a.metric_name`,
);
await q(`select toUnixTimestamp(toDateTime('2024-01-01 00:00:00', 'UTC')) e, cast(1 as Nullable(Float64)) x`);
await c.close();
