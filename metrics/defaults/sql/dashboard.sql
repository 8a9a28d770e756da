-- Dashboard data: per metric and timestamp, the value, the score (null = not scored yet), whether an
-- alert of each kind is stored (0/1), the thumbs up / thumbs down feedback given on the point, and the
-- LLM alert's metadata (JSON with `anomaly_explanation`, or '').
-- Window: the points since `cutoff_time` ('YYYY-MM-DD HH:MM:SS' UTC) when it is given (all of them, up to
-- 100,000 per metric), else the newest `last_n` points per metric (default 90). Metrics whose newest point is older than
-- {{ dashboard_stale_metric_max_days_ago }} days before now are left out.
{% from 'defaults/sql/macros.sql' import per_point_pivot, newest, batch_rows, days_ago, least with context -%}
{%- set since = cutoff_time if cutoff_time else none -%}
{%- set n = last_n if last_n else (100000 if since else 90) -%}
select d.metric_timestamp as metric_timestamp, d.metric_name as metric_name, d.metric_value as metric_value, d.metric_score as metric_score,
       d.metric_alert as metric_alert, d.metric_change as metric_change, d.metric_tholdalert as metric_tholdalert,
       d.metric_llmalert as metric_llmalert, d.metric_thumbsup as metric_thumbsup, d.metric_thumbsdown as metric_thumbsdown,
       d.metric_llmalert_metadata as metric_llmalert_metadata
from (
  {% call newest(n, 'metric_timestamp, metric_name, metric_value, metric_score, metric_alert, metric_change, metric_tholdalert, metric_llmalert, metric_thumbsup, metric_thumbsdown, metric_llmalert_metadata') -%}
    select p.metric_timestamp as metric_timestamp, p.metric_name as metric_name, p.metric_value as metric_value, p.metric_score as metric_score,
           coalesce(p.metric_alert, 0) as metric_alert, coalesce(p.metric_change, 0) as metric_change,
           coalesce(p.metric_tholdalert, 0) as metric_tholdalert, {{ least('coalesce(p.metric_llmalert, 0)', '1') }} as metric_llmalert,
           coalesce(p.metric_thumbsup, 0) as metric_thumbsup, coalesce(p.metric_thumbsdown, 0) as metric_thumbsdown,
           coalesce(p.metric_llmalert_metadata, '') as metric_llmalert_metadata
    from (
      {{ per_point_pivot([
           ['metric', 'avg', 'metric_value'],
           ['score', 'avg', 'metric_score'],
           ['alert', 'max', 'metric_alert'],
           ['change', 'max', 'metric_change'],
           ['tholdalert', 'max', 'metric_tholdalert'],
           ['llmalert', 'max', 'metric_llmalert'],
           ['thumbsup', 'sum', 'metric_thumbsup'],
           ['thumbsdown', 'sum', 'metric_thumbsdown'],
           ['llmalert', 'max', 'metric_llmalert_metadata', 'metadata']
         ], since=since) }}
    ) p
    where p.metric_value is not null
  {%- endcall %}
) d
join (
  select metric_name, max(metric_timestamp) as metric_newest
  from {{ table_key | sql_ident }}
  {{ batch_rows(['metric']) }}
  group by metric_name
) fresh on fresh.metric_name = d.metric_name
where fresh.metric_newest >= {{ days_ago(dashboard_stale_metric_max_days_ago) }}
order by metric_name, metric_timestamp
