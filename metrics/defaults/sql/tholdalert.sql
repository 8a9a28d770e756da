-- Threshold-alert data: per metric, the newest {{ tholdalert_recent_n + tholdalert_snooze_n }} values with whether a
-- threshold alert is already stored for the point (0/1), so the snooze works across runs (§10.7).
with metric_value_data as (
  select metric_timestamp, metric_name, avg(metric_value) as metric_value
  from {{ table_key | sql_ident }}
  where metric_batch = {{ metric_batch | sql_str }}
    and metric_type = 'metric'
    and metric_timestamp <= cast({{ now | sql_str }} as timestamp)
    {% if tholdalert_exclude_metrics %}and metric_name not in ({{ tholdalert_exclude_metrics | sql_list }}){% endif %}
  group by metric_timestamp, metric_name
),
metric_tholdalert_data as (
  select metric_timestamp, metric_name, max(metric_value) as metric_tholdalert
  from {{ table_key | sql_ident }}
  where metric_batch = {{ metric_batch | sql_str }}
    and metric_type = 'tholdalert'
    and metric_timestamp <= cast({{ now | sql_str }} as timestamp)
  group by metric_timestamp, metric_name
),
ranked as (
  select v.metric_timestamp, v.metric_name, v.metric_value, coalesce(t.metric_tholdalert, 0) as metric_tholdalert,
         row_number() over (partition by v.metric_name order by v.metric_timestamp desc) as metric_recency_rank
  from metric_value_data v
  left join metric_tholdalert_data t on t.metric_timestamp = v.metric_timestamp and t.metric_name = v.metric_name
)
select metric_timestamp, metric_name, metric_value, metric_tholdalert
from ranked
where metric_recency_rank <= {{ tholdalert_recent_n + tholdalert_snooze_n }}
order by metric_name, metric_timestamp
