-- Training data: per metric, the newest {{ train_max_n }} values within {{ train_metric_timestamp_max_days_ago }} days before now.
-- Returns metric_timestamp, metric_name, metric_value (oldest first). A metric with fewer than
-- train_min_n rows is skipped by the train job (the original dropped the newest rows instead, docs/differences.md #3).
-- A sharded run passes its metrics as shard_metrics (undefined otherwise: every metric).
{% from 'defaults/sql/macros.sql' import per_point, newest with context -%}
{% call newest(train_max_n, 'metric_timestamp, metric_name, metric_value') -%}
  {{ per_point('metric', 'avg', 'metric_value', days=train_metric_timestamp_max_days_ago, include=shard_metrics, exclude=train_exclude_metrics) }}
{%- endcall %}
order by metric_name, metric_timestamp
