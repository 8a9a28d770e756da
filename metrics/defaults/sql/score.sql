-- Scoring data: per metric, the newest {{ score_max_n }} values (the points eligible for scoring) plus the
-- {{ score_history_n }} values before them that the features need (diff, smoothing, lags, seasonal
-- residuals) and that the calibration and repeat suppression compare with, each with its existing score
-- (null = not scored yet). Returns metric_timestamp, metric_name, metric_value, metric_score.
{% from 'defaults/sql/macros.sql' import per_point, recency_rank, same_point with context -%}
with v as (
  {{ per_point('metric', 'avg', 'metric_value', days=score_metric_timestamp_max_days_ago, exclude=score_exclude_metrics) }}
),
s as (
  {{ per_point('score', 'avg', 'metric_score', days=score_metric_timestamp_max_days_ago) }}
),
ranked as (
  select v.metric_timestamp, v.metric_name, v.metric_value, s.metric_score, {{ recency_rank() }}
  from v left join s on {{ same_point('v', 's') }}
)
select metric_timestamp, metric_name, metric_value, metric_score
from ranked
where metric_recency_rank <= {{ score_max_n + score_history_n }}
order by metric_name, metric_timestamp
