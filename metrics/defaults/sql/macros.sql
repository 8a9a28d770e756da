{#- Building blocks of the default templates, with a branch per SQL dialect where the SQL differs
    (`sql_dialect`: duckdb, postgres, sqlite, clickhouse, bigquery or snowflake; MotherDuck is duckdb,
    Turso is sqlite). Written to run on ClickHouse 18.16 too: no CTEs and no window functions there, so
    the templates nest subqueries and take the newest points with `newest` (LIMIT n BY on ClickHouse).
    Import with:
    {% from 'defaults/sql/macros.sql' import per_point, newest, same_point with context %} -#}

{#- A timestamp literal from 'YYYY-MM-DD HH:MM:SS[.SSS]' UTC text (e.g. `now`). -#}
{% macro ts(text) -%}
  {%- if sql_dialect == 'sqlite' -%}
    strftime('%Y-%m-%d %H:%M:%f', {{ text | sql_str }})
  {%- elif sql_dialect == 'clickhouse' -%}
    toDateTime({{ text | sql_str }}, 'UTC')
  {%- elif sql_dialect == 'bigquery' -%}
    timestamp({{ text | sql_str }})
  {%- elif sql_dialect == 'snowflake' -%}
    to_timestamp_ntz({{ text | sql_str }})
  {%- else -%}
    cast({{ text | sql_str }} as timestamp)
  {%- endif -%}
{%- endmacro %}

{#- The timestamp expression `expr` minus `days` days. -#}
{% macro days_before(expr, days) -%}
  {%- if sql_dialect == 'sqlite' -%}
    strftime('%Y-%m-%d %H:%M:%f', {{ expr }}, '-{{ days }} days')
  {%- elif sql_dialect == 'clickhouse' -%}
    {{ expr }} - toIntervalDay({{ days }})
  {%- elif sql_dialect == 'bigquery' -%}
    timestamp_sub({{ expr }}, interval {{ days }} day)
  {%- elif sql_dialect == 'snowflake' -%}
    dateadd(day, -{{ days }}, {{ expr }})
  {%- else -%}
    {{ expr }} - interval '{{ days }} day'
  {%- endif -%}
{%- endmacro %}

{#- `days` days before `now`. -#}
{% macro days_ago(days) -%}
  {{ days_before(ts(now), days) }}
{%- endmacro %}

{#- Seconds since 1970-01-01 UTC of a timestamp expression. -#}
{% macro epoch(expr) -%}
  {%- if sql_dialect == 'duckdb' -%}
    epoch({{ expr }})
  {%- elif sql_dialect == 'sqlite' -%}
    unixepoch({{ expr }}, 'subsec')
  {%- elif sql_dialect == 'clickhouse' -%}
    toUnixTimestamp({{ expr }})
  {%- elif sql_dialect == 'bigquery' -%}
    unix_millis({{ expr }}) / 1000
  {%- elif sql_dialect == 'snowflake' -%}
    date_part(epoch_millisecond, {{ expr }}) / 1000
  {%- else -%}
    extract(epoch from {{ expr }})
  {%- endif -%}
{%- endmacro %}

{#- The smaller of two values (SQLite's two-argument min()). -#}
{% macro least(a, b) -%}
  {%- if sql_dialect == 'sqlite' -%}
    min({{ a }}, {{ b }})
  {%- else -%}
    least({{ a }}, {{ b }})
  {%- endif -%}
{%- endmacro %}

{#- A quoted identifier (dotted names quote each part), e.g. a table key. -#}
{% macro ident(name) -%}
  {{ name | sql_ident }}
{%- endmacro %}

{#- `agg`(`column`) over the rows where `condition` holds (null when none does). -#}
{% macro agg_where(agg, column, condition) -%}
  {%- if sql_dialect in ['duckdb', 'postgres', 'sqlite'] -%}
    {{ agg }}({{ column }}) filter (where {{ condition }})
  {%- else -%}
    {{ agg }}(case when {{ condition }} then {{ column }} end)
  {%- endif -%}
{%- endmacro %}

{#- The batch's rows up to `now`, no older than `days` days (when given), of the `include` metrics and
    not the `exclude` ones (when given): the where clause every per-point set starts with. -#}
{% macro batch_rows(types, days=none, since=none, include=none, exclude=none) -%}
  where metric_batch = {{ metric_batch | sql_str }}
    and metric_type in ({{ types | sql_list }})
    and metric_timestamp <= {{ ts(now) }}
    {%- if since is not none %}
    and metric_timestamp >= {{ ts(since) }}
    {%- endif %}
    {%- if days is not none %}
    and metric_timestamp >= {{ days_ago(days) }}
    {%- endif %}
    {%- if include %}
    and metric_name in ({{ include | sql_list }})
    {%- endif %}
    {%- if exclude %}
    and metric_name not in ({{ exclude | sql_list }})
    {%- endif %}
{%- endmacro %}

{#- One row per (timestamp, metric) of the batch's rows of `metric_type`, aggregated with `agg` into
    column `alias`, up to `now` and (when `days` is given) no older than `days` days before it. -#}
{% macro per_point(metric_type, agg, alias, days=none, include=none, exclude=none) -%}
  select metric_timestamp, metric_name, {{ agg }}(metric_value) as {{ alias }}
  from {{ table_key | sql_ident }}
  {{ batch_rows([metric_type], days=days, include=include, exclude=exclude) }}
  group by metric_timestamp, metric_name
{%- endmacro %}

{#- One row per (timestamp, metric) with one column per entry of `columns`, in a single scan of the
    batch's rows up to `now` (and, when `since` is given as 'YYYY-MM-DD HH:MM:SS' UTC, no older). Each entry is
    [metric_type, agg, alias] or [metric_type, agg, alias, column] (default column metric_value):
    `agg`(column) over the point's rows of that type, null when it has none. `days` limits the rows to
    that many days before `now`, `include` to the listed metrics. On ClickHouse the aggregates get
    other names first (it would read an alias such as metric_value inside the next aggregate). -#}
{% macro per_point_pivot(columns, since=none, days=none, include=none) -%}
  {%- set types = [] -%}
  {%- for c in columns %}{% if c[0] not in types and types.push(c[0]) %}{% endif %}{% endfor -%}
  {%- if sql_dialect == 'clickhouse' -%}
  select metric_timestamp, metric_name
    {%- for c in columns %}, pivot_{{ loop.index }} as {{ c[2] }}{% endfor %}
  from (
    select metric_timestamp, metric_name
      {%- for c in columns %},
      {{ agg_where(c[1], c[3] if c[3] else 'metric_value', 'metric_type = ' ~ (c[0] | sql_str)) }} as pivot_{{ loop.index }}
      {%- endfor %}
    from {{ table_key | sql_ident }}
    {{ batch_rows(types, days=days, since=since, include=include) }}
    group by metric_timestamp, metric_name
  )
  {%- else -%}
  select metric_timestamp, metric_name
    {%- for c in columns %},
    {{ agg_where(c[1], c[3] if c[3] else 'metric_value', 'metric_type = ' ~ (c[0] | sql_str)) }} as {{ c[2] }}
    {%- endfor %}
  from {{ table_key | sql_ident }}
  {{ batch_rows(types, days=days, since=since, include=include) }}
  group by metric_timestamp, metric_name
  {%- endif -%}
{%- endmacro %}

{#- The `columns` (a select list) of the newest `n` rows per metric of the rows the call block gives
    (each with metric_timestamp and metric_name): a row_number() window, or LIMIT n BY on ClickHouse. -#}
{% macro newest(n, columns) -%}
  {%- if sql_dialect == 'clickhouse' -%}
  select {{ columns }}
  from (
    select * from (
      {{ caller() }}
    ) newest_rows
    order by metric_name, metric_timestamp desc
    limit {{ n | int }} by metric_name
  ) newest_points
  {%- else -%}
  select {{ columns }}
  from (
    select newest_rows.*,
           row_number() over (partition by newest_rows.metric_name order by newest_rows.metric_timestamp desc) as metric_recency_rank
    from (
      {{ caller() }}
    ) newest_rows
  ) newest_points
  where metric_recency_rank <= {{ n | int }}
  {%- endif -%}
{%- endmacro %}

{#- The recency rank of each point of its metric: 1 = newest (a window function: not on ClickHouse
    18.16, where `newest` uses LIMIT n BY instead). Kept for templates written against it. -#}
{% macro recency_rank(alias='v') -%}
  row_number() over (partition by {{ alias }}.metric_name order by {{ alias }}.metric_timestamp desc) as metric_recency_rank
{%- endmacro %}

{#- Join condition of two per-point sets. -#}
{% macro same_point(a, b) -%}
  {{ b }}.metric_timestamp = {{ a }}.metric_timestamp and {{ b }}.metric_name = {{ a }}.metric_name
{%- endmacro %}
