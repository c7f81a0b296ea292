-- One vector per (model, distinct prompt); join a generation with sha256(prompt) = prompt_hash.
with

deduplicated as (

    select *
    from {{ ref('stg_lake__prompt_embedding_rows') }}
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
