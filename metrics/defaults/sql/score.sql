-- Scoring data: per metric, the newest {{ score_max_n }} values (the points eligible for scoring) plus the
-- {{ score_history_n }} values before them that the features need (diff, smoothing, lags, seasonal
-- residuals) and that the calibration and repeat suppression compare with, each with its existing score
-- (null = not scored yet). Returns metric_timestamp, metric_name, metric_value, metric_score.
-- A sharded run passes its metrics as shard_metrics (undefined otherwise: every metric).
{% from 'defaults/sql/macros.sql' import per_point, newest, same_point with context -%}
{% call newest(score_max_n + score_history_n, 'metric_timestamp, metric_name, metric_value, metric_score') -%}
  select v.metric_timestamp as metric_timestamp, v.metric_name as metric_name, v.metric_value as metric_value, s.metric_score as metric_score
  from (
    {{ per_point('metric', 'avg', 'metric_value', days=score_metric_timestamp_max_days_ago, include=shard_metrics, exclude=score_exclude_metrics) }}
  ) v
  left join (
    {{ per_point('score', 'avg', 'metric_score', days=score_metric_timestamp_max_days_ago, include=shard_metrics) }}
  ) s on {{ same_point('v', 's') }}
{%- endcall %}
order by metric_name, metric_timestamp
