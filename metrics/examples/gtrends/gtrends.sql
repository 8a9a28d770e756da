-- The gtrends example's ingest (GoogleSQL): Google Trends' top terms as refreshed 3 days before `now`
-- (the dataset is refreshed every few days), restricted to its latest week; the mean, min, max, sum,
-- median and 90th percentile of their scores, as gtrends_score_<stat>, at `now`.
with
latest as (
  select week, score
  from `bigquery-public-data.google_trends.top_terms`
  where refresh_date = date_sub(date(timestamp({{ now | sql_str }})), interval 3 day)
),
last_week as (
  select score from latest where week = (select max(week) from latest)
),
stats as (
  select
    cast(avg(score) as float64) as score_avg,
    cast(min(score) as float64) as score_min,
    cast(max(score) as float64) as score_max,
    cast(sum(score) as float64) as score_sum,
    cast(approx_quantiles(score, 100)[offset(50)] as float64) as score_p50,
    cast(approx_quantiles(score, 100)[offset(90)] as float64) as score_p90
  from last_week
)
select timestamp({{ now | sql_str }}) as metric_timestamp, concat('gtrends_', metric_name) as metric_name, metric_value
from stats
unpivot (metric_value for metric_name in (score_avg, score_min, score_max, score_sum, score_p50, score_p90))
