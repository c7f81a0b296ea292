with

sessionized as (

    select * from {{ ref('int_generations_sessionized') }}

),

passes as (

    select * from {{ ref('int_generation_passes_recorded') }}

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
    job_id,
    passes.upscale_factor,
    passes.upscaler,
    passes.denoising_strength,
    passes.init_image
from sessionized
left join passes using (generation_id)
