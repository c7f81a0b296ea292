-- Gaps-and-islands per artist: a new session starts when more than `session_gap_minutes` pass
-- between consecutive generations. Order is created_at, then the order the source gave
-- (logs have minute-resolution timestamps; the artist's sequence is the row order).
with

generations as (

    select * from {{ ref('stg_lake__generations') }}

),

ordered as (

    select
        *,
        lag(created_at) over artist_sequence as previous_created_at,
        row_number() over artist_sequence as artist_position
    from generations
    window artist_sequence as (
        partition by artist
        order by created_at, source_archive, source_order, generation_id
    )

),

flagged as (

    select
        *,
        case
            when previous_created_at is null then 1
            when created_at - previous_created_at
                > to_minutes({{ var('session_gap_minutes') }}::bigint) then 1
            else 0
        end as is_session_start
    from ordered

),

numbered as (

    select
        *,
        sum(is_session_start) over (
            partition by artist
            order by artist_position
            rows between unbounded preceding and current row
        ) as artist_session_no
    from flagged

),

with_first_member as (

    -- The session's identity is its artist and first generation: the same generations give
    -- the same id on every rerun, whatever else the lake holds.
    select
        *,
        first_value(generation_id) over (
            partition by artist, artist_session_no
            order by artist_position
        ) as first_generation_id
    from numbered

)

select
    md5(artist || '|' || first_generation_id)[:16] as session_id,
    row_number() over (
        partition by artist, artist_session_no
        order by artist_position
    ) as position,
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
from with_first_member
