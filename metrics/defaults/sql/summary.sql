-- Summary data: per metric of the batch, over the {{ summary_metric_timestamp_max_days_ago }} day(s) before now: how many values,
-- scores and alerts of each kind it has, its mean and highest score, and its newest value.
-- The summary job runs this for every batch (so every table is covered) and ranks the metrics.
{% from 'defaults/sql/macros.sql' import per_point, recency_rank, same_point with context -%}
with v as (
  {{ per_point('metric', 'avg', 'metric_value', days=summary_metric_timestamp_max_days_ago) }}
),
s as (
  {{ per_point('score', 'avg', 'metric_score', days=summary_metric_timestamp_max_days_ago) }}
),
a as (
  {{ per_point('alert', 'max', 'metric_alert', days=summary_metric_timestamp_max_days_ago) }}
),
c as (
  {{ per_point('change', 'max', 'metric_change', days=summary_metric_timestamp_max_days_ago) }}
),
t as (
  {{ per_point('tholdalert', 'max', 'metric_tholdalert', days=summary_metric_timestamp_max_days_ago) }}
),
l as (
  {{ per_point('llmalert', 'max', 'metric_llmalert', days=summary_metric_timestamp_max_days_ago) }}
),
points as (
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
select metric_name,
       count(*) as n_points,
       count(metric_score) as n_scores,
       sum(metric_alert) as n_alerts,
       sum(metric_change) as n_changes,
       sum(metric_tholdalert) as n_tholdalerts,
       sum(metric_llmalert) as n_llmalerts,
       avg(metric_score) as mean_score,
       max(metric_score) as max_score,
       max(metric_timestamp) as last_timestamp,
       max(case when metric_recency_rank = 1 then metric_value end) as last_value
from points
group by metric_name
order by metric_name
