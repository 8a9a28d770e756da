{#- Building blocks of the default templates. Import with:
    {% from 'defaults/sql/macros.sql' import per_point, ranked with context %} -#}

{#- One row per (timestamp, metric) of the batch's rows of `metric_type`, aggregated with `agg` into
    column `alias`, up to `now` and (when `days` is given) no older than `days` days before it. -#}
{% macro per_point(metric_type, agg, alias, days=none, include=none, exclude=none) -%}
  select metric_timestamp, metric_name, {{ agg }}(metric_value) as {{ alias }}
  from {{ table_key | sql_ident }}
  where metric_batch = {{ metric_batch | sql_str }}
    and metric_type = {{ metric_type | sql_str }}
    and metric_timestamp <= cast({{ now | sql_str }} as timestamp)
    {%- if days is not none %}
    and metric_timestamp >= cast({{ now | sql_str }} as timestamp) - interval '{{ days }} day'
    {%- endif %}
    {%- if include %}
    and metric_name in ({{ include | sql_list }})
    {%- endif %}
    {%- if exclude %}
    and metric_name not in ({{ exclude | sql_list }})
    {%- endif %}
  group by metric_timestamp, metric_name
{%- endmacro %}

{#- One row per (timestamp, metric) with one column per entry of `columns`, in a single scan of the
    batch's rows up to `now` (and, when `since` is given as 'YYYY-MM-DD HH:MM:SS' UTC, no older). Each entry is
    [metric_type, agg, alias] or [metric_type, agg, alias, column] (default column metric_value):
    `agg`(column) over the point's rows of that type, null when it has none. `days` limits the rows to
    that many days before `now`, `include` to the listed metrics. -#}
{% macro per_point_pivot(columns, since=none, days=none, include=none) -%}
  select metric_timestamp, metric_name
    {%- for c in columns %},
    {{ c[1] }}({{ c[3] if c[3] else 'metric_value' }}) filter (where metric_type = {{ c[0] | sql_str }}) as {{ c[2] }}
    {%- endfor %}
  from {{ table_key | sql_ident }}
  where metric_batch = {{ metric_batch | sql_str }}
    and metric_type in ({% for c in columns %}{{ c[0] | sql_str }}{{ ", " if not loop.last }}{% endfor %})
    and metric_timestamp <= cast({{ now | sql_str }} as timestamp)
    {%- if since is not none %}
    and metric_timestamp >= cast({{ since | sql_str }} as timestamp)
    {%- endif %}
    {%- if days is not none %}
    and metric_timestamp >= cast({{ now | sql_str }} as timestamp) - interval '{{ days }} day'
    {%- endif %}
    {%- if include %}
    and metric_name in ({{ include | sql_list }})
    {%- endif %}
  group by metric_timestamp, metric_name
{%- endmacro %}

{#- The recency rank of each point of its metric: 1 = newest. -#}
{% macro recency_rank(alias='v') -%}
  row_number() over (partition by {{ alias }}.metric_name order by {{ alias }}.metric_timestamp desc) as metric_recency_rank
{%- endmacro %}

{#- Join condition of two per-point sets. -#}
{% macro same_point(a, b) -%}
  {{ b }}.metric_timestamp = {{ a }}.metric_timestamp and {{ b }}.metric_name = {{ a }}.metric_name
{%- endmacro %}
