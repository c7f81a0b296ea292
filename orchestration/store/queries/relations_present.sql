-- How many of the named relations the warehouse has (views appear as they are first built).
select count(distinct table_name)
from information_schema.tables
where table_name in (select unnest($names))
