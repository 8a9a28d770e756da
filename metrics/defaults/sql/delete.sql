-- Retention: delete every row of the batch (all metric types) older than {{ delete_after_n_days }} days before now.
{% from 'defaults/sql/macros.sql' import days_ago with context -%}
{% if sql_dialect == 'clickhouse' -%}
alter table {{ table_key | sql_ident }} delete
{%- else -%}
delete from {{ table_key | sql_ident }}
{%- endif %}
where metric_batch = {{ metric_batch | sql_str }}
  and metric_timestamp < {{ days_ago(delete_after_n_days) }}
