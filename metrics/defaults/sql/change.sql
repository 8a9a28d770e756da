-- Change data: per metric, the newest {{ change_max_n }} values within {{ change_metric_timestamp_max_days_ago }} days,
-- with whether a change alert is already stored for the point (0/1). The change job fits MAD on all
-- but the newest change_detect_last_n values and tests those (§3.6, intended behaviour).
with metric_value_data as (
  select metric_timestamp, metric_name, avg(metric_value) as metric_value
  from {{ table_key | sql_ident }}
  where metric_batch = {{ metric_batch | sql_str }}
    and metric_type = 'metric'
    and metric_timestamp <= cast({{ now | sql_str }} as timestamp)
    and metric_timestamp >= cast({{ now | sql_str }} as timestamp) - interval '{{ change_metric_timestamp_max_days_ago }} day'
    {% if change_include_metrics %}and metric_name in ({{ change_include_metrics | sql_list }}){% endif %}
    {% if change_exclude_metrics %}and metric_name not in ({{ change_exclude_metrics | sql_list }}){% endif %}
  group by metric_timestamp, metric_name
),
metric_change_data as (
  select metric_timestamp, metric_name, max(metric_value) as metric_change
  from {{ table_key | sql_ident }}
  where metric_batch = {{ metric_batch | sql_str }}
    and metric_type = 'change'
    and metric_timestamp <= cast({{ now | sql_str }} as timestamp)
    and metric_timestamp >= cast({{ now | sql_str }} as timestamp) - interval '{{ change_metric_timestamp_max_days_ago }} day'
  group by metric_timestamp, metric_name
),
ranked as (
  select v.metric_timestamp, v.metric_name, v.metric_value, coalesce(c.metric_change, 0) as metric_change,
         row_number() over (partition by v.metric_name order by v.metric_timestamp desc) as metric_recency_rank
  from metric_value_data v
  left join metric_change_data c on c.metric_timestamp = v.metric_timestamp and c.metric_name = v.metric_name
)
select metric_timestamp, metric_name, metric_value, metric_change
from ranked
where metric_recency_rank <= {{ change_max_n }}
order by metric_name, metric_timestamp
