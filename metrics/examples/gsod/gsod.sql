-- The gsod example's ingest (GoogleSQL): NOAA GSOD rows of US and UK stations for the day 5 days before
-- `now` (the yearly table of that day: gsod<YYYY>, so it keeps working after the year the original
-- hard-coded), as the mean, min and max of the daily mean temperature (°F) per country.
with
day as (
  select date_sub(date(timestamp({{ now | sql_str }})), interval 5 day) as d
),
stations as (
  select usaf, wban, country
  from `bigquery-public-data.noaa_gsod.stations`
  where country in ('US', 'UK')
),
readings as (
  select g.date, s.country, g.temp
  from `bigquery-public-data.noaa_gsod.gsod*` g
  join stations s on g.stn = s.usaf and g.wban = s.wban
  cross join day
  where g._TABLE_SUFFIX = format_date('%Y', day.d) and g.date = day.d
),
per_country as (
  select timestamp(date) as metric_timestamp, lower(country) as geo, avg(temp) as temp_avg, min(temp) as temp_min, max(temp) as temp_max
  from readings
  group by 1, 2
)
select metric_timestamp, concat('gsod_', geo, '_temp_avg') as metric_name, temp_avg as metric_value from per_country
union all
select metric_timestamp, concat('gsod_', geo, '_temp_min'), temp_min from per_country
union all
select metric_timestamp, concat('gsod_', geo, '_temp_max'), temp_max from per_country
