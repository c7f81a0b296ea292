{#-
    Every ref renders without its catalog: `main.sessions`, not `warehouse.main.sessions`.
    DuckDB names a database after its file, and a view stores the name it was built with, so
    a catalog in a view breaks the warehouse under any other file name (a backup, a copy sent
    to a colleague) or alias (`ATTACH 'warehouse.duckdb' AS cs`). Views resolve schema-qualified
    names in their own database, so dropping the catalog is safe.
-#}
{% macro ref() %}
    {%- set relation = builtins.ref(*varargs, **kwargs) -%}
    {{ return(relation.include(database=False)) }}
{% endmacro %}
