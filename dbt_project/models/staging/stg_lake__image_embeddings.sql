-- One vector per (model, image). An image found in two archives can be embedded in two shards;
-- both rows carry the same model's vector for the same bytes, so any one of them will do.
with

deduplicated as (

    select *
    from {{ ref('stg_lake__image_embedding_rows') }}
    qualify row_number() over (partition by model_id, content_hash) = 1

)

select
    model_id || ':' || content_hash as image_embedding_id,
    content_hash,
    model_id,
    embedding_dim,
    embedding
from deduplicated
