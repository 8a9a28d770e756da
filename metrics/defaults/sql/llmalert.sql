-- LLM-alert data: per metric, the newest {{ llmalert_prompt_max_n }} values within {{ llmalert_metric_timestamp_max_days_ago }} days, with the
-- score (null = not scored yet) and whether an LLM alert is already stored for the point (0/1). The job
-- smooths and rounds the values, asks Claude, and alerts on confirmed anomalies among the newest
-- llmalert_recent_n points that have no LLM alert yet (as the original intends).
{% from 'defaults/sql/macros.sql' import per_point_pivot, newest with context -%}
{% call newest(llmalert_prompt_max_n, 'metric_timestamp, metric_name, metric_value, metric_score, metric_llmalert') -%}
  select p.metric_timestamp as metric_timestamp, p.metric_name as metric_name, p.metric_value as metric_value,
         p.metric_score as metric_score, coalesce(p.metric_llmalert, 0) as metric_llmalert
  from (
    {{ per_point_pivot([
         ['metric', 'avg', 'metric_value'],
         ['score', 'avg', 'metric_score'],
         ['llmalert', 'max', 'metric_llmalert']
       ], days=llmalert_metric_timestamp_max_days_ago) }}
  ) p
  where p.metric_value is not null
{%- endcall %}
order by metric_name, metric_timestamp
