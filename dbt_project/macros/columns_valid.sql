{#-
    Every column rule of one model in one test: `not_null`, `unique` and `accepted_values`
    mean what dbt's built-in tests of those names mean (accepted_values lets NULL through, as
    dbt's does; unique ignores NULLs). A nightly increment paid dbt's per-node work (~40 ms)
    and a Dagster asset-check event for each of ~150 one-column tests, most of its cost
    (benchmarks/README.md, issue 16); one test per model checks the same rules in one scan.

    It returns one row per broken rule: the rule, the column and how many rows (or, for unique,
    duplicated values) break it; the test's failure count is their sum. To see which rule broke:
    `dbt show --select columns_valid_<model>`.
-#}
{% test columns_valid(model, not_null=[], unique=[], accepted_values={}) %}
{{ config(fail_calc='coalesce(sum(failing_rows), 0)') }}
{%- set counted = [] -%}
{%- for column in not_null -%}
    {%- do counted.append(('not_null', column, column ~ ' is null')) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {%- set listed = [] -%}
    {%- for value in values -%}{%- do listed.append(dbt.string_literal(value)) -%}{%- endfor -%}
    {%- do counted.append(('accepted_values', column, column ~ ' not in (' ~ listed | join(', ') ~ ')')) -%}
{%- endfor -%}
{%- set parts = [] -%}
{%- if counted %}
with counted as (
    select
    {%- for rule, column, broken in counted %}
        count(*) filter (where {{ broken }}) as {{ adapter.quote(rule ~ ':' ~ column) }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{%- do parts.append(
    "select split_part(name, ':', 1) as rule, split_part(name, ':', 2) as column_name, "
    ~ "failing_rows from (unpivot counted on columns(*) into name name value failing_rows)"
) -%}
{%- endif %}
{%- for column in unique -%}
    {%- do parts.append(
        "select 'unique' as rule, '" ~ column ~ "' as column_name, count(*) as failing_rows "
        ~ "from (select " ~ column ~ " from " ~ model ~ " where " ~ column ~ " is not null "
        ~ "group by " ~ column ~ " having count(*) > 1)"
    ) -%}
{%- endfor %}
select rule, column_name, failing_rows
from (
    {{ parts | join('\n    union all\n    ') }}
)
where failing_rows > 0
{% endtest %}
