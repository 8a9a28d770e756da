-- Dashboard data: per metric and timestamp, the value, the score (null = not scored yet), whether an
-- alert of each kind is stored (0/1), the thumbs up / thumbs down feedback given on the point, and the
-- LLM alert's metadata (JSON with `anomaly_explanation`, or '').
-- Window: the points since `cutoff_time` ('YYYY-MM-DD HH:MM:SS' UTC) when it is given (all of them, up to
-- 100,000 per metric), else the newest `last_n` points per metric (default 90). Metrics whose newest point is older than
-- {{ dashboard_stale_metric_max_days_ago }} days before now are left out. One scan of the batch's rows.
{% from 'defaults/sql/macros.sql' import per_point_pivot, recency_rank with context -%}
{%- set since = cutoff_time if cutoff_time else none -%}
{%- set n = last_n if last_n else (100000 if since else 90) -%}
with p as (
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
),
ranked as (
  select p.metric_timestamp, p.metric_name, p.metric_value, p.metric_score,
         coalesce(p.metric_alert, 0) as metric_alert, coalesce(p.metric_change, 0) as metric_change,
         coalesce(p.metric_tholdalert, 0) as metric_tholdalert, least(coalesce(p.metric_llmalert, 0), 1) as metric_llmalert,
         coalesce(p.metric_thumbsup, 0) as metric_thumbsup, coalesce(p.metric_thumbsdown, 0) as metric_thumbsdown,
         coalesce(p.metric_llmalert_metadata, '') as metric_llmalert_metadata,
         {{ recency_rank('p') }},
         max(p.metric_timestamp) over (partition by p.metric_name) as metric_newest
  from p
  where p.metric_value is not null
)
select metric_timestamp, metric_name, metric_value, metric_score, metric_alert, metric_change, metric_tholdalert,
       metric_llmalert, metric_thumbsup, metric_thumbsdown, metric_llmalert_metadata
from ranked
where metric_recency_rank <= {{ n | int }}
  and metric_newest >= cast({{ now | sql_str }} as timestamp) - interval '{{ dashboard_stale_metric_max_days_ago }} day'
order by metric_name, metric_timestamp
