-- Alert data: per metric, the newest {{ alert_max_n }} scored points within {{ alert_metric_timestamp_max_days_ago }} days,
-- with value, score and whether an alert is already stored for the point (0/1).
-- The alert job smooths scores over the trailing window, applies the threshold to the newest
-- alert_recent_n points and snoozes after an alert (the intended behaviour; docs/differences.md #2).
{% from 'defaults/sql/macros.sql' import per_point, newest, same_point with context -%}
{% call newest(alert_max_n, 'metric_timestamp, metric_name, metric_value, metric_score, metric_alert') -%}
  select vs.metric_timestamp as metric_timestamp, vs.metric_name as metric_name, vs.metric_value as metric_value,
         vs.metric_score as metric_score, coalesce(a.metric_alert, 0) as metric_alert
  from (
    select v.metric_timestamp as metric_timestamp, v.metric_name as metric_name, v.metric_value as metric_value, s.metric_score as metric_score
    from (
      {{ per_point('metric', 'avg', 'metric_value', days=alert_metric_timestamp_max_days_ago, exclude=alert_exclude_metrics) }}
    ) v
    join (
      {{ per_point('score', 'avg', 'metric_score', days=alert_metric_timestamp_max_days_ago) }}
    ) s on {{ same_point('v', 's') }}
  ) vs
  left join (
    {{ per_point('alert', 'max', 'metric_alert', days=alert_metric_timestamp_max_days_ago) }}
  ) a on {{ same_point('vs', 'a') }}
{%- endcall %}
order by metric_name, metric_timestamp
