-- Scoring data: per metric, the newest {{ score_max_n }} values (the points eligible for scoring) plus the
-- {{ score_history_n }} values before them that the features (diff, smoothing, lags) need, each with its
-- existing score (null = not scored yet). Returns metric_timestamp, metric_name, metric_value, metric_score.
with metric_value_data as (
  select metric_timestamp, metric_name, avg(metric_value) as metric_value
  from {{ table_key | sql_ident }}
  where metric_batch = {{ metric_batch | sql_str }}
    and metric_type = 'metric'
    and metric_timestamp <= cast({{ now | sql_str }} as timestamp)
    and metric_timestamp >= cast({{ now | sql_str }} as timestamp) - interval '{{ score_metric_timestamp_max_days_ago }} day'
    {% if score_exclude_metrics %}and metric_name not in ({{ score_exclude_metrics | sql_list }}){% endif %}
  group by metric_timestamp, metric_name
),
metric_score_data as (
  select metric_timestamp, metric_name, avg(metric_value) as metric_score
  from {{ table_key | sql_ident }}
  where metric_batch = {{ metric_batch | sql_str }}
    and metric_type = 'score'
    and metric_timestamp <= cast({{ now | sql_str }} as timestamp)
    and metric_timestamp >= cast({{ now | sql_str }} as timestamp) - interval '{{ score_metric_timestamp_max_days_ago }} day'
  group by metric_timestamp, metric_name
),
ranked as (
  select v.metric_timestamp, v.metric_name, v.metric_value, s.metric_score,
         row_number() over (partition by v.metric_name order by v.metric_timestamp desc) as metric_recency_rank
  from metric_value_data v
  left join metric_score_data s on s.metric_timestamp = v.metric_timestamp and s.metric_name = v.metric_name
)
select metric_timestamp, metric_name, metric_value, metric_score
from ranked
where metric_recency_rank <= {{ score_max_n + score_history_n }}
order by metric_name, metric_timestamp
