-- The lake rows whose metadata records a second pass (hires fix, upscale, img2img), filtered
-- before stg_lake__generations deduplicates the lake: reading them costs a scan of four mostly
-- empty columns, not a pass over every generation id. `lake_generations` supplies the columns
-- (NULL) for a lake written before they existed.
with

source as (

    {{ lake_generations() }}

)

select
    generation_id,
    source_archive,
    source_order,
    upscale_factor,
    upscaler,
    denoising_strength,
    init_image
from source
where upscale_factor is not null
    or upscaler is not null
    or denoising_strength is not null
    or init_image is not null
