-- Training data: per metric, the newest {{ train_max_n }} values within {{ train_metric_timestamp_max_days_ago }} days before now.
-- Returns metric_timestamp, metric_name, metric_value (oldest first). A metric with fewer than
-- train_min_n rows is skipped by the train job (the original dropped the newest rows instead, §10.3).
with metric_value_data as (
  select metric_timestamp, metric_name, avg(metric_value) as metric_value
  from {{ table_key | sql_ident }}
  where metric_batch = {{ metric_batch | sql_str }}
    and metric_type = 'metric'
    and metric_timestamp <= cast({{ now | sql_str }} as timestamp)
    and metric_timestamp >= cast({{ now | sql_str }} as timestamp) - interval '{{ train_metric_timestamp_max_days_ago }} day'
    {% if train_exclude_metrics %}and metric_name not in ({{ train_exclude_metrics | sql_list }}){% endif %}
  group by metric_timestamp, metric_name
),
ranked as (
  select *, row_number() over (partition by metric_name order by metric_timestamp desc) as metric_recency_rank
  from metric_value_data
)
select metric_timestamp, metric_name, metric_value
from ranked
where metric_recency_rank <= {{ train_max_n }}
order by metric_name, metric_timestamp
