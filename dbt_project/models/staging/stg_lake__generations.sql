-- One row per generation across all archives: the same image (same content hash) or the same
-- log row in two overlapping archives is kept once. The copy with the earliest time wins; on a
-- tie, the copy whose time is the most direct evidence of generation (metadata, EXIF, a PNG
-- tIME chunk, a log, a tool's database, the file name, the output folder's file time, then an
-- archive's entry time, which a re-export resets, and last the ordering times placed by day or
-- file order), then the archive key.
with

-- With the columns added after the lake's first partitions (NULL in older partitions).
source as (

    {{ lake_generations() }}

),

-- Almost every id occurs once: those rows pass untouched, and only the few ids found in two
-- archives are ranked. Ranking every row would sort all columns of the whole lake on each run.
duplicated_ids as (

    select generation_id
    from source
    group by generation_id
    having count(*) > 1

),

deduplicated as (

    select * from source anti join duplicated_ids using (generation_id)
    union all
    select *
    from source semi join duplicated_ids using (generation_id)
    qualify row_number() over (
        partition by generation_id
        order by
            created_at,
            case created_at_source
                when 'metadata' then 0
                when 'exif DateTimeOriginal' then 1
                when 'png tIME' then 2
                when 'log column' then 3
                when 'invokeai database' then 4
                when 'file name' then 5
                when 'file mtime' then 6
                when 'archive entry time' then 7
                when 'date folder order' then 8
                else 9
            end,
            source_archive,
            source_order
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
    job_id,
    upscale_factor,
    upscaler,
    denoising_strength,
    init_image
from deduplicated
