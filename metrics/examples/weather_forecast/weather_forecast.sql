-- The weather_forecast example's ingest (Snowflake SQL): the daily forecasts of the Marketplace share
-- "Weather & Climate Data for BI" for today and the next 3 days (from `now`), grouped by US city by postal
-- code range, as fcast3d_<city>_avg_precipitation_in and fcast3d_<city>_avg_snowfall_in, at `now`.
with
forecast as (
  select
    case
      when try_cast(postal_code as integer) between 77001 and 77299 then 'houston'
      when try_cast(postal_code as integer) between 75201 and 75398 then 'dallas'
      when try_cast(postal_code as integer) between 73301 and 78799 then 'austin'
      when try_cast(postal_code as integer) between 78201 and 78299 then 'san_antonio'
      when try_cast(postal_code as integer) between 90001 and 91609 then 'los_angeles'
      when try_cast(postal_code as integer) between 10001 and 10292 then 'new_york'
      when try_cast(postal_code as integer) between 94101 and 94188 then 'san_francisco'
      when try_cast(postal_code as integer) between 33101 and 33299 then 'miami'
      when try_cast(postal_code as integer) between 60601 and 60699 then 'chicago'
      when try_cast(postal_code as integer) between 20001 and 20020 then 'washington_dc'
      when try_cast(postal_code as integer) between 85001 and 85099 then 'phoenix'
      else 'other'
    end as place,
    avg(tot_precipitation_in) as avg_precipitation_in,
    avg(tot_snowfall_in) as avg_snowfall_in
  from global_weather__climate_data_for_bi.standard_tile.forecast_day
  where date_valid_std between to_date(to_timestamp_ntz({{ now | sql_str }})) and dateadd(day, 3, to_date(to_timestamp_ntz({{ now | sql_str }})))
  group by 1
)
select to_timestamp_ntz({{ now | sql_str }}) as metric_timestamp, 'fcast3d_' || place || '_avg_precipitation_in' as metric_name, avg_precipitation_in as metric_value
from forecast
union all
select to_timestamp_ntz({{ now | sql_str }}), 'fcast3d_' || place || '_avg_snowfall_in', avg_snowfall_in
from forecast
