-- The lake rows whose metadata records a second pass (hires fix, upscale, img2img), filtered
-- before stg_lake__generations deduplicates the lake: reading them costs a scan of four mostly
-- empty columns, not a pass over every generation id. A lake written before these columns
-- existed has none, so an empty typed row set supplies them (NULL).
with

source as (

    select * from {{ source('lake', 'generations') }}
    union all by name
    select
        null::double as upscale_factor,
        null::varchar as upscaler,
        null::double as denoising_strength,
        null::varchar as init_image
    where false

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
