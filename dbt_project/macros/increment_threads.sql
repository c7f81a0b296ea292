{#-
    on-run-start: one DuckDB thread for a build over a warehouse that already holds the
    sessions (a lake increment, the intent views), where each query reads a few thousand new
    rows and a second thread costs more CPU in hand-offs than it saves. A first build and a
    full refresh keep DuckDB's own thread count.
-#}
{% macro increment_threads() %}
    {% if execute and not flags.FULL_REFRESH %}
        {% set sessions = adapter.get_relation(
            database=target.database,
            schema=target.schema,
            identifier='int_generations_sessionized',
        ) %}
        {% if sessions is not none %}
            set threads = 1
        {% endif %}
    {% endif %}
{% endmacro %}
