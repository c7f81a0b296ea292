-- The generations whose metadata describes a second pass: a hires fix or upscale (A1111/Forge
-- `Hires upscale`/`Hires upscaler`, ComfyUI upscale and latent-upscale nodes), a denoising
-- strength below 1 (hires or img2img), or the init image an img2img started from. Few rows, kept
-- as a table so the marts join them without reading the lake again. Copies of one generation
-- in two archives are the same file (or log row), so any copy's fields are the generation's.
with

passes as (

    select * from {{ ref('stg_lake__generation_passes') }}

)

select
    generation_id,
    upscale_factor,
    upscaler,
    denoising_strength,
    init_image,
    coalesce(upscale_factor > 1, false) or upscaler is not null as is_upscaled,
    init_image is not null
        or (denoising_strength is not null and upscale_factor is null and upscaler is null)
        as is_img2img
from passes
qualify row_number() over (
    partition by generation_id order by source_archive, source_order
) = 1
