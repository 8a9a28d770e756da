-- The users example's ingest (DuckDB): for each region, total users (two random draws of 0..100 added),
-- active users (two of 0..25) and the active rate, at the run's time `now`; the regions come from a
-- template loop.
{% set geos = ['ireland', 'usa', 'eu'] %}
with
{% for geo in geos %}
{{ geo }} as materialized (
  select (random() * 100) + (random() * 100) as total, (random() * 25) + (random() * 25) as active
){% if not loop.last %},{% endif %}
{% endfor %}
{% for geo in geos %}
select cast({{ now | sql_str }} as timestamp) as metric_timestamp, 'users_total_{{ geo }}' as metric_name, total as metric_value from {{ geo }}
union all
select cast({{ now | sql_str }} as timestamp), 'users_active_{{ geo }}', active from {{ geo }}
union all
select cast({{ now | sql_str }} as timestamp), 'users_active_rate_{{ geo }}', active / total from {{ geo }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
