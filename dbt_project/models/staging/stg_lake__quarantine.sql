-- What did not make it whole: files and log rows that did not become generations (the ingest
-- asset's quarantine), then images an image model refused (their generations stand, without a
-- vector). The image_embeddings asset writes those refusals per model and shard beside its
-- vectors (orchestration/embedding/refusals.py), in the quarantine's columns; they exist only
-- once a shard has refused something. Read by path rather than as a dbt source: a source needs
-- a Dagster asset key of its own, and no asset but image_embeddings writes them. An embedding
-- run moves the lake, so the warehouse build that follows it rebuilds this view.
with

source as (

    select * from {{ source('lake', 'quarantine') }}

),

{% if lake_has_files('image_refusals/*/*/*.parquet') %}

refusals as (

    select *
    from read_parquet(
        '{{ var("lake_dir") }}/image_refusals/*/*/*.parquet',
        union_by_name = true,
        hive_partitioning = false
    )

),

{% else %}

refusals as (

    select
        null::varchar as source_archive,
        null::varchar as source_path,
        null::varchar as reason,
        null::varchar as content_hash,
        null::bigint as size_bytes
    where false

),

{% endif %}

combined as (

    select source_archive, source_path, reason, content_hash, size_bytes from source
    union all
    select source_archive, source_path, reason, content_hash, size_bytes from refusals

)

select
    source_archive,
    source_path,
    reason,
    content_hash,
    size_bytes
from combined
