-- Retention: delete every row of the batch (all metric types) older than {{ delete_after_n_days }} days before now.
delete from {{ table_key | sql_ident }}
where metric_batch = {{ metric_batch | sql_str }}
  and metric_timestamp < cast({{ now | sql_str }} as timestamp) - interval '{{ delete_after_n_days }} day'
