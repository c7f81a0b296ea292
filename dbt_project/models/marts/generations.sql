with

sessionized as (

    select * from {{ ref('int_generations_sessionized') }}

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
from sessionized
