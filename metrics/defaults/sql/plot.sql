-- Plot data: per metric, the newest {{ alert_max_n }} values within {{ alert_metric_timestamp_max_days_ago }} days, with the
-- score (null = not scored yet) and, per point, whether an alert of each kind is stored (0/1). Used by the
-- plot job and by every alert's plot; `plot_metrics` (a list the alert jobs pass) limits the metrics.
{% from 'defaults/sql/macros.sql' import per_point, recency_rank, same_point with context -%}
with v as (
  {{ per_point('metric', 'avg', 'metric_value', days=alert_metric_timestamp_max_days_ago, include=plot_metrics) }}
),
s as (
  {{ per_point('score', 'avg', 'metric_score', days=alert_metric_timestamp_max_days_ago, include=plot_metrics) }}
),
a as (
  {{ per_point('alert', 'max', 'metric_alert', days=alert_metric_timestamp_max_days_ago, include=plot_metrics) }}
),
c as (
  {{ per_point('change', 'max', 'metric_change', days=alert_metric_timestamp_max_days_ago, include=plot_metrics) }}
),
t as (
  {{ per_point('tholdalert', 'max', 'metric_tholdalert', days=alert_metric_timestamp_max_days_ago, include=plot_metrics) }}
),
l as (
  {{ per_point('llmalert', 'max', 'metric_llmalert', days=alert_metric_timestamp_max_days_ago, include=plot_metrics) }}
),
ranked as (
  select v.metric_timestamp, v.metric_name, v.metric_value, s.metric_score,
         coalesce(a.metric_alert, 0) as metric_alert, coalesce(c.metric_change, 0) as metric_change,
         coalesce(t.metric_tholdalert, 0) as metric_tholdalert, coalesce(l.metric_llmalert, 0) as metric_llmalert,
         {{ recency_rank() }}
  from v
  left join s on {{ same_point('v', 's') }}
  left join a on {{ same_point('v', 'a') }}
  left join c on {{ same_point('v', 'c') }}
  left join t on {{ same_point('v', 't') }}
  left join l on {{ same_point('v', 'l') }}
)
select metric_timestamp, metric_name, metric_value, metric_score, metric_alert, metric_change, metric_tholdalert, metric_llmalert
from ranked
where metric_recency_rank <= {{ alert_max_n }}
order by metric_name, metric_timestamp
