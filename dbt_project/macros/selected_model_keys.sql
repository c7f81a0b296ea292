{#-
    The keys (content_hash or prompt_hash) that have a vector of the model selected for
    `modality` in int_embedding_models_selected. Reads key columns only, never a vector.
-#}
{% macro selected_model_keys(modality) %}
    {%- set key = {'image': 'content_hash', 'prompt': 'prompt_hash'}[modality] -%}
    select {{ key }}
    from {{ ref('stg_lake__' ~ modality ~ '_embedding_rows') }}
    where model_id = (
        select model_id
        from {{ ref('int_embedding_models_selected') }}
        where modality = '{{ modality }}'
    )
{% endmacro %}
