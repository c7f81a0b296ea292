-- Image vectors as stored: one row per vector written, so an image embedded in two shards
-- appears twice. Models that need a few vectors filter this view and deduplicate what they
-- kept: a filter cannot pass below stg_lake__image_embeddings' window, so reading that view
-- decodes every vector in the lake.
{% if lake_has_files('image_embeddings/*/*/*.parquet') %}

select
    content_hash,
    model_id,
    embedding_dim,
    embedding
from {{ source('lake', 'image_embeddings') }}

{% else %}

select
    null::varchar as content_hash,
    null::varchar as model_id,
    null::integer as embedding_dim,
    null::float[] as embedding
where false

{% endif %}
