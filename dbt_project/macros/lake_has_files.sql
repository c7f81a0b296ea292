{#-
    Whether the lake holds any file matching `pattern` (relative to var('lake_dir')).

    Embedding tables appear only after their assets first run (a lake of logs has no images at
    all), and DuckDB refuses a view over a glob that matches nothing. Models over such tables
    select a typed empty relation instead. At parse time it answers true, so `source()` is
    always called and lineage never depends on what is on disk.
-#}
{% macro lake_has_files(pattern) %}
    {% if not execute %}
        {{ return(true) }}
    {% endif %}
    {% set query %}
        select count(*) from glob('{{ var("lake_dir") }}/{{ pattern }}')
    {% endset %}
    {{ return(run_query(query).columns[0].values()[0] > 0) }}
{% endmacro %}
