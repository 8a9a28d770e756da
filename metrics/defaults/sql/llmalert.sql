-- LLM-alert data: per metric, the newest {{ llmalert_prompt_max_n }} values within {{ llmalert_metric_timestamp_max_days_ago }} days, with the
-- score (null = not scored yet) and whether an LLM alert is already stored for the point (0/1). The job
-- smooths and rounds the values, asks Claude, and alerts on confirmed anomalies among the newest
-- llmalert_recent_n points that have no LLM alert yet (as the original intends).
{% from 'defaults/sql/macros.sql' import per_point, recency_rank, same_point with context -%}
with v as (
  {{ per_point('metric', 'avg', 'metric_value', days=llmalert_metric_timestamp_max_days_ago) }}
),
s as (
  {{ per_point('score', 'avg', 'metric_score', days=llmalert_metric_timestamp_max_days_ago) }}
),
l as (
  {{ per_point('llmalert', 'max', 'metric_llmalert', days=llmalert_metric_timestamp_max_days_ago) }}
),
ranked as (
  select v.metric_timestamp, v.metric_name, v.metric_value, s.metric_score,
         coalesce(l.metric_llmalert, 0) as metric_llmalert, {{ recency_rank() }}
  from v
  left join s on {{ same_point('v', 's') }}
  left join l on {{ same_point('v', 'l') }}
)
select metric_timestamp, metric_name, metric_value, metric_score, metric_llmalert
from ranked
where metric_recency_rank <= {{ llmalert_prompt_max_n }}
order by metric_name, metric_timestamp
