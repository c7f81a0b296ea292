{#-
    Whether `<corrections_dir>/<name>` exists. The artist's marks file appears with the first
    `creative-sessions keep`, and DuckDB refuses a view over a missing file, so a model over it
    selects a typed empty relation until then (`keep` rebuilds the warehouse on the first mark).
    At parse time it answers true, so `source()` is always called and lineage never depends on
    what is on disk.
-#}
{% macro corrections_have_file(name) %}
    {% if not execute %}
        {{ return(true) }}
    {% endif %}
    {% set query %}
        select count(*) from glob('{{ var("corrections_dir") }}/{{ name }}')
    {% endset %}
    {{ return(run_query(query).columns[0].values()[0] > 0) }}
{% endmacro %}
