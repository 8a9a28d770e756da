-- Alert data: per metric, the newest {{ alert_max_n }} scored points within {{ alert_metric_timestamp_max_days_ago }} days,
-- with value, score and whether an alert is already stored for the point (0/1).
-- The alert job smooths scores over the trailing window, applies the threshold to the newest
-- alert_recent_n points and snoozes after an alert (the intended behaviour; see §10.2).
with metric_value_data as (
  select metric_timestamp, metric_name, avg(metric_value) as metric_value
  from {{ table_key | sql_ident }}
  where metric_batch = {{ metric_batch | sql_str }}
    and metric_type = 'metric'
    and metric_timestamp <= cast({{ now | sql_str }} as timestamp)
    and metric_timestamp >= cast({{ now | sql_str }} as timestamp) - interval '{{ alert_metric_timestamp_max_days_ago }} day'
    {% if alert_exclude_metrics %}and metric_name not in ({{ alert_exclude_metrics | sql_list }}){% endif %}
  group by metric_timestamp, metric_name
),
metric_score_data as (
  select metric_timestamp, metric_name, avg(metric_value) as metric_score
  from {{ table_key | sql_ident }}
  where metric_batch = {{ metric_batch | sql_str }}
    and metric_type = 'score'
    and metric_timestamp <= cast({{ now | sql_str }} as timestamp)
    and metric_timestamp >= cast({{ now | sql_str }} as timestamp) - interval '{{ alert_metric_timestamp_max_days_ago }} day'
  group by metric_timestamp, metric_name
),
metric_alert_data as (
  select metric_timestamp, metric_name, max(metric_value) as metric_alert
  from {{ table_key | sql_ident }}
  where metric_batch = {{ metric_batch | sql_str }}
    and metric_type = 'alert'
    and metric_timestamp <= cast({{ now | sql_str }} as timestamp)
    and metric_timestamp >= cast({{ now | sql_str }} as timestamp) - interval '{{ alert_metric_timestamp_max_days_ago }} day'
  group by metric_timestamp, metric_name
),
ranked as (
  select v.metric_timestamp, v.metric_name, v.metric_value, s.metric_score,
         coalesce(a.metric_alert, 0) as metric_alert,
         row_number() over (partition by v.metric_name order by v.metric_timestamp desc) as metric_recency_rank
  from metric_value_data v
  join metric_score_data s on s.metric_timestamp = v.metric_timestamp and s.metric_name = v.metric_name
  left join metric_alert_data a on a.metric_timestamp = v.metric_timestamp and a.metric_name = v.metric_name
)
select metric_timestamp, metric_name, metric_value, metric_score, metric_alert
from ranked
where metric_recency_rank <= {{ alert_max_n }}
order by metric_name, metric_timestamp
