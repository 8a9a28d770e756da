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
await q(
  `select m.metric_timestamp as metric_timestamp, m.metric_name as metric_name, avg(case when m.metric_type = 'metric' then m.metric_value end) as metric_value, max(case when m.metric_type = 'score' then m.metric_value end) as metric_score, max(case when m.metric_type = 'llmalert' then m.metadata end) as md from tmp.t2 as m where m.metric_type in ('metric','score') group by m.metric_timestamp, m.metric_name`,
);
await q(
  `select m.metric_timestamp as metric_timestamp, m.metric_name as metric_name, avgIf(m.metric_value, m.metric_type = 'metric') as metric_value_ from tmp.t2 as m group by m.metric_timestamp, m.metric_name`,
);
await q(`select metric_timestamp, metric_name, avg(metric_value) as metric_value from tmp.t2 group by metric_timestamp, metric_name`);
await q(
  `select metric_timestamp, metric_name, avgIf(metric_value, metric_type = 'metric') as metric_value from tmp.t2 group by metric_timestamp, metric_name`,
);
await q(
  `select metric_timestamp, metric_name, max(metric_value) as metric_score from tmp.t2 where metric_timestamp <= toDateTime('2024-01-02 00:00:00', 'UTC') group by metric_timestamp, metric_name`,
);
await c.close();
