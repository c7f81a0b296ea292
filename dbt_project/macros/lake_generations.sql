{#- The lake's generations with the columns added after its first partitions: a lake written
    before them has none, so an empty typed row set supplies them (NULL) until an archive is
    ingested again. One definition for every model that reads the lake's generations. -#}
{% macro lake_generations() %}
    select * from {{ source('lake', 'generations') }}
    union all by name
    select
        null::double as upscale_factor,
        null::varchar as upscaler,
        null::double as denoising_strength,
        null::varchar as init_image
    where false
{% endmacro %}
