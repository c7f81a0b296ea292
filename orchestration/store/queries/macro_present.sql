-- Whether the warehouse has the table macro $name (created by a dbt post-hook).
select count(*) from duckdb_functions() where function_name = $name
