-- The example_sql_file example's ingest (DuckDB): two random metrics at the run's time `now`.
select cast({{ now | sql_str }} as timestamp) as metric_timestamp, 'metric_1' as metric_name, random() as metric_value
union all
select cast({{ now | sql_str }} as timestamp), 'metric_2', random()
