-- The freq example's ingest (GoogleSQL): per metric, rand() (0..1), except in 1% of
-- runs one of five anomalies: a spike (0..10), a negative spike (-10..0), sin, ln or exp of a random
-- number (safe.ln gives null, dropped with a warning, for the rare non-positive argument). At `now`.
{% for name in ['freq_random_1', 'freq_random_2', 'freq_random_3'] %}
select
  timestamp({{ now | sql_str }}) as metric_timestamp,
  {{ name | sql_str }} as metric_name,
  case
    when rand() < 0.01 then
      case cast(floor(rand() * 5) as int64)
        when 0 then rand() * 10
        when 1 then rand() * -10
        when 2 then sin(rand() * 10)
        when 3 then safe.ln(rand() * 10)
        else exp(rand())
      end
    else rand()
  end as metric_value
{% if not loop.last %}union all{% endif %}
{% endfor %}
