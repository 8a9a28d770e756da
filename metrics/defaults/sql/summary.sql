-- Summary data: per metric of the batch, over the {{ summary_metric_timestamp_max_days_ago }} day(s) before now: how many values,
-- scores and alerts of each kind it has, its mean and highest score, and its newest value.
-- The summary job runs this for every batch (so every table is covered) and ranks the metrics.
{% from 'defaults/sql/macros.sql' import per_point_pivot, newest with context -%}
{%- set pivot = per_point_pivot([
     ['metric', 'avg', 'metric_value'],
     ['score', 'avg', 'metric_score'],
     ['alert', 'max', 'metric_alert'],
     ['change', 'max', 'metric_change'],
     ['tholdalert', 'max', 'metric_tholdalert'],
     ['llmalert', 'max', 'metric_llmalert']
   ], days=summary_metric_timestamp_max_days_ago) -%}
select points.metric_name as metric_name,
       count(*) as n_points,
       count(points.metric_score) as n_scores,
       sum(coalesce(points.metric_alert, 0)) as n_alerts,
       sum(coalesce(points.metric_change, 0)) as n_changes,
       sum(coalesce(points.metric_tholdalert, 0)) as n_tholdalerts,
       sum(coalesce(points.metric_llmalert, 0)) as n_llmalerts,
       avg(points.metric_score) as mean_score,
       max(points.metric_score) as max_score,
       max(points.metric_timestamp) as last_timestamp,
       max(last_point.last_value) as last_value
from (
  {{ pivot }}
) points
join (
  {% call newest(1, 'metric_name, metric_value as last_value') -%}
    {{ pivot }}
  {%- endcall %}
) last_point on last_point.metric_name = points.metric_name
where points.metric_value is not null
group by points.metric_name
order by metric_name
