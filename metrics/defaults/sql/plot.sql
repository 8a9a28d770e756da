-- Plot data: per metric, the newest {{ alert_max_n }} values within {{ alert_metric_timestamp_max_days_ago }} days, with the
-- score (null = not scored yet) and, per point, whether an alert of each kind is stored (0/1). Used by the
-- plot job and by every alert's plot; `plot_metrics` (a list the alert jobs pass) limits the metrics.
{% from 'defaults/sql/macros.sql' import per_point_pivot, newest with context -%}
{% call newest(alert_max_n, 'metric_timestamp, metric_name, metric_value, metric_score, metric_alert, metric_change, metric_tholdalert, metric_llmalert') -%}
  select p.metric_timestamp as metric_timestamp, p.metric_name as metric_name, p.metric_value as metric_value, p.metric_score as metric_score,
         coalesce(p.metric_alert, 0) as metric_alert, coalesce(p.metric_change, 0) as metric_change,
         coalesce(p.metric_tholdalert, 0) as metric_tholdalert, coalesce(p.metric_llmalert, 0) as metric_llmalert
  from (
    {{ per_point_pivot([
         ['metric', 'avg', 'metric_value'],
         ['score', 'avg', 'metric_score'],
         ['alert', 'max', 'metric_alert'],
         ['change', 'max', 'metric_change'],
         ['tholdalert', 'max', 'metric_tholdalert'],
         ['llmalert', 'max', 'metric_llmalert']
       ], days=alert_metric_timestamp_max_days_ago, include=plot_metrics) }}
  ) p
  where p.metric_value is not null
{%- endcall %}
order by metric_name, metric_timestamp
