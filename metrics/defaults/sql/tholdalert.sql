-- Threshold-alert data: per metric, the newest {{ tholdalert_recent_n + tholdalert_snooze_n }} values with whether a
-- threshold alert is already stored for the point (0/1), so the snooze works across runs (docs/differences.md #7).
{% from 'defaults/sql/macros.sql' import per_point, recency_rank, same_point with context -%}
with v as (
  {{ per_point('metric', 'avg', 'metric_value', exclude=tholdalert_exclude_metrics) }}
),
t as (
  {{ per_point('tholdalert', 'max', 'metric_tholdalert') }}
),
ranked as (
  select v.metric_timestamp, v.metric_name, v.metric_value, coalesce(t.metric_tholdalert, 0) as metric_tholdalert, {{ recency_rank() }}
  from v left join t on {{ same_point('v', 't') }}
)
select metric_timestamp, metric_name, metric_value, metric_tholdalert
from ranked
where metric_recency_rank <= {{ tholdalert_recent_n + tholdalert_snooze_n }}
order by metric_name, metric_timestamp
