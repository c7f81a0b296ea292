-- One vector per (model, distinct prompt); join a generation with sha256(prompt) = prompt_hash.
with

source as (

    {% if lake_has_files('prompt_embeddings/*/*.parquet') %}
    select * from {{ source('lake', 'prompt_embeddings') }}
    {% else %}
    select
        null::varchar as prompt_hash,
        null::varchar as model_id,
        null::integer as embedding_dim,
        null::float[] as embedding,
        null::varchar as prompt
    where false
    {% endif %}

),

deduplicated as (

    select *
    from source
    qualify row_number() over (partition by model_id, prompt_hash) = 1

)

select
    model_id || ':' || prompt_hash as prompt_embedding_id,
    prompt_hash,
    model_id,
    embedding_dim,
    embedding,
    prompt
from deduplicated
