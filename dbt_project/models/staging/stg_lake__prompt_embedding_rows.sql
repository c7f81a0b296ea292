-- Prompt vectors as stored: one row per vector written (a prompt embedded by two overlapping
-- runs appears twice). Filter first, then deduplicate, as for stg_lake__image_embedding_rows.
{% if lake_has_files('prompt_embeddings/*/*.parquet') %}

select
    prompt_hash,
    model_id,
    embedding_dim,
    embedding,
    prompt
from {{ source('lake', 'prompt_embeddings') }}

{% else %}

select
    null::varchar as prompt_hash,
    null::varchar as model_id,
    null::integer as embedding_dim,
    null::float[] as embedding,
    null::varchar as prompt
where false

{% endif %}
