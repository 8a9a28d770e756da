-- Alert data: per metric, the newest {{ alert_max_n }} scored points within {{ alert_metric_timestamp_max_days_ago }} days,
-- with value, score and whether an alert is already stored for the point (0/1).
-- The alert job smooths scores over the trailing window, applies the threshold to the newest
-- alert_recent_n points and snoozes after an alert (the intended behaviour; docs/differences.md #2).
{% from 'defaults/sql/macros.sql' import per_point, recency_rank, same_point with context -%}
with v as (
  {{ per_point('metric', 'avg', 'metric_value', days=alert_metric_timestamp_max_days_ago, exclude=alert_exclude_metrics) }}
),
s as (
  {{ per_point('score', 'avg', 'metric_score', days=alert_metric_timestamp_max_days_ago) }}
),
a as (
  {{ per_point('alert', 'max', 'metric_alert', days=alert_metric_timestamp_max_days_ago) }}
),
ranked as (
  select v.metric_timestamp, v.metric_name, v.metric_value, s.metric_score,
         coalesce(a.metric_alert, 0) as metric_alert, {{ recency_rank() }}
  from v
  join s on {{ same_point('v', 's') }}
  left join a on {{ same_point('v', 'a') }}
)
select metric_timestamp, metric_name, metric_value, metric_score, metric_alert
from ranked
where metric_recency_rank <= {{ alert_max_n }}
order by metric_name, metric_timestamp
