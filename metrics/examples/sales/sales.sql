-- The sales example's ingest (DuckDB): deals created (random, 0..2), deals sold (random, 0..1) and the
-- success rate sold / created, all at the run's time `now` (the draws are materialized once, so the rate
-- is the ratio of the two values stored).
with
created as materialized (
  select random() * 2 as metric_value
),
sold as materialized (
  select random() as metric_value
)
select cast({{ now | sql_str }} as timestamp) as metric_timestamp, 'sales_pipeline_deals_created' as metric_name, created.metric_value
from created
union all
select cast({{ now | sql_str }} as timestamp), 'sales_pipeline_deals_sold', sold.metric_value
from sold
union all
select cast({{ now | sql_str }} as timestamp), 'sales_pipeline_success_rate', sold.metric_value / created.metric_value
from created, sold
