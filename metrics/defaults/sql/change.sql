-- Change data: per metric, the newest {{ change_max_n }} values (plus change_smooth_n - 1 for the first levels) within {{ change_metric_timestamp_max_days_ago }} days,
-- with whether a change alert is already stored for the point (0/1). The change job fits MAD on all
-- but the newest change_detect_last_n values and tests those (as the original intends).
{% from 'defaults/sql/macros.sql' import per_point, newest, same_point with context -%}
{% call newest(change_max_n + ((change_smooth_n - 1) if change_smooth_n > 1 else 0), 'metric_timestamp, metric_name, metric_value, metric_change') -%}
  select v.metric_timestamp as metric_timestamp, v.metric_name as metric_name, v.metric_value as metric_value,
         coalesce(c.metric_change, 0) as metric_change
  from (
    {{ per_point('metric', 'avg', 'metric_value', days=change_metric_timestamp_max_days_ago, include=change_include_metrics, exclude=change_exclude_metrics) }}
  ) v
  left join (
    {{ per_point('change', 'max', 'metric_change', days=change_metric_timestamp_max_days_ago) }}
  ) c on {{ same_point('v', 'c') }}
{%- endcall %}
order by metric_name, metric_timestamp
