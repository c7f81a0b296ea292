-- One vector per (model, image). An image found in two archives can be embedded in two shards;
-- both rows carry the same model's vector for the same bytes, so any one of them will do.
with

source as (

    {% if lake_has_files('image_embeddings/*/*/*.parquet') %}
    select * from {{ source('lake', 'image_embeddings') }}
    {% else %}
    select
        null::varchar as content_hash,
        null::varchar as model_id,
        null::integer as embedding_dim,
        null::float[] as embedding
    where false
    {% endif %}

),

deduplicated as (

    select *
    from source
    qualify row_number() over (partition by model_id, content_hash) = 1

)

select
    model_id || ':' || content_hash as image_embedding_id,
    content_hash,
    model_id,
    embedding_dim,
    embedding
from deduplicated
