-- One row per generation across all archives: the same image (same content hash) or the same
-- log row in two overlapping archives is kept once, from the archive registered first by key.
with

source as (

    select * from {{ source('lake', 'generations') }}

),

deduplicated as (

    select *
    from source
    qualify row_number() over (
        partition by generation_id
        order by source_archive, source_order
    ) = 1

)

select
    generation_id,
    artist,
    tool,
    prompt,
    negative_prompt,
    seed,
    steps,
    cfg_scale,
    sampler,
    scheduler,
    model,
    width,
    height,
    created_at,
    created_at_source,
    source_archive,
    source_path,
    source_order,
    content_hash,
    job_id
from deduplicated
