-- Threshold-alert data: per metric, the newest {{ tholdalert_recent_n + tholdalert_snooze_n }} values with whether a
-- threshold alert is already stored for the point (0/1), so the snooze works across runs (docs/differences.md #7).
{% from 'defaults/sql/macros.sql' import per_point, newest, same_point with context -%}
{% call newest(tholdalert_recent_n + tholdalert_snooze_n, 'metric_timestamp, metric_name, metric_value, metric_tholdalert') -%}
  select v.metric_timestamp as metric_timestamp, v.metric_name as metric_name, v.metric_value as metric_value,
         coalesce(t.metric_tholdalert, 0) as metric_tholdalert
  from (
    {{ per_point('metric', 'avg', 'metric_value', exclude=tholdalert_exclude_metrics) }}
  ) v
  left join (
    {{ per_point('tholdalert', 'max', 'metric_tholdalert') }}
  ) t on {{ same_point('v', 't') }}
{%- endcall %}
order by metric_name, metric_timestamp
