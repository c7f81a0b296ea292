-- Gaps-and-islands per artist: a new session starts when more than `session_gap_minutes` pass
-- between consecutive generations, or, inside a run of files whose times were placed from
-- their order alone, where the subject changes (`order_split`). Order is created_at, then the
-- order the source gave (logs have minute-resolution timestamps; the artist's sequence is the
-- row order).
--
-- Incremental: a run re-sessionizes only the generations that arrived (new, or moved in time
-- or source), the ones that left, and every member of a stored session within the gap of an
-- arrival, holding a departure or within the gap of one that does. A session left alone is
-- more than the gap from every change, so it keeps its members, ids and positions; a
-- generation filling the gap between two sessions pulls both in and they merge. A generation
-- that left the lake is returned as a marker row holding only its id: delete+insert removes
-- the stored row by that id, and the post-hook removes the marker (no second pass over the
-- lake).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='generation_id',
        post_hook="{% if is_incremental() %}delete from {{ this }} where session_id is null{% endif %}",
    )
}}

{% set gap = "to_minutes(" ~ var('session_gap_minutes') ~ "::bigint)" %}
{#- Times placed from order, not observed (orchestration/ingest/ordering.py). -#}
{% set order_sources = ['date folder order', 'file order'] %}
{#- Chosen on the real slice's development users and the sample (benchmarks/order_sessions.py):
    alike at 0.7 or more, nothing across above 0.1; prompts under 3 words give no evidence. -#}
{% set same_subject = 0.7 %}
{% set other_subject = 0.1 %}
{% set min_words = 3 %}

with

generations as (

    select * from {{ ref('stg_lake__generations') }}

),

{% if is_incremental() %}

stored as (

    select generation_id, session_id, artist, created_at, source_archive, source_order
    from {{ this }}

),

-- One join on the id finds both what arrived (new, or moved in artist, time or source
-- position) and what departed (gone, or moved): a moved generation is both.
changed as (

    select
        g.generation_id as arrived_generation_id,
        g.artist as arrived_artist,
        g.created_at as arrived_created_at,
        s.session_id as departed_session_id,
        case when g.generation_id is null then s.generation_id end as gone_generation_id
    from (
        select generation_id, artist, created_at, source_archive, source_order
        from generations
    ) as g
    full outer join stored as s on s.generation_id = g.generation_id
    where g.generation_id is null
        or s.generation_id is null
        or s.artist != g.artist
        or s.created_at != g.created_at
        or s.source_archive != g.source_archive
        or s.source_order is distinct from g.source_order

),

arrived as (

    select
        arrived_generation_id as generation_id,
        arrived_artist as artist,
        arrived_created_at as created_at
    from changed
    where arrived_generation_id is not null

),

departed as (

    select departed_session_id as session_id
    from changed
    where departed_session_id is not null

),

gone as (

    select gone_generation_id as generation_id
    from changed
    where gone_generation_id is not null

),

stored_sessions as (

    select session_id, any_value(artist) as artist, min(created_at) as started_at,
        max(created_at) as ended_at
    from stored
    group by session_id

),

touched_sessions as (

    select s.session_id
    from stored_sessions as s
    inner join arrived as a
        on a.artist = s.artist
        and a.created_at between s.started_at - {{ gap }} and s.ended_at + {{ gap }}
    union
    select session_id from departed
    union
    -- A neighbour within the gap of a session that lost a member: a session split where the
    -- prompt changed is seconds from the one before, and that split may rest on the member.
    select s.session_id
    from stored_sessions as s
    inner join stored_sessions as d
        on d.artist = s.artist
        and s.started_at <= d.ended_at + {{ gap }}
        and s.ended_at >= d.started_at - {{ gap }}
    where d.session_id in (select session_id from departed)

),

in_scope as (

    select *
    from generations
    where generation_id in (select generation_id from arrived)
        or generation_id in (
            select generation_id from stored semi join touched_sessions using (session_id)
        )

),

{% else %}

in_scope as (

    select * from generations

),

{% endif %}

-- Sessionize on the narrow key columns (window sorts stay small), then join the rest back.
-- Prompt words are kept only where the time is an ordering time (see `order_split` below).
keys as (

    select
        generation_id, artist, created_at, source_archive, source_order, job_id,
        case when len(words) >= {{ min_words }} then words end as order_words
    from (
        select
            generation_id, artist, created_at, source_archive, source_order, job_id,
            case when created_at_source in ({{ "'" ~ order_sources | join("', '") ~ "'" }})
                then {{ prompt_tokens('prompt') }}
            end as words
        from in_scope
    )

),

ordered as (

    select
        *,
        lag(created_at) over artist_sequence as previous_created_at,
        lag(created_at, 2) over artist_sequence as created_at_2_before,
        lead(created_at) over artist_sequence as next_created_at,
        lag(order_words, 2) over artist_sequence as words_2_before,
        lag(order_words) over artist_sequence as words_1_before,
        lead(order_words) over artist_sequence as words_1_after,
        lag(job_id, 2) over artist_sequence as job_2_before,
        lag(job_id) over artist_sequence as job_1_before,
        lead(job_id) over artist_sequence as job_1_after,
        row_number() over artist_sequence as artist_position
    from keys
    window artist_sequence as (
        partition by artist
        order by created_at, source_archive, source_order, generation_id
    )

),

-- Order-only evidence: where a run of files has no time of its own (their times were placed
-- by order), a session also starts where two steady subjects meet: the two generations
-- before are alike, the two from here on are alike, and no word pair across is. Each side's
-- two must be two requests (a job's grid and its upscales are one). Never where times are
-- real: there it would split refinements that reword (measured in benchmarks/order_sessions.py).
order_split as (

    select
        *,
        case
            when words_2_before is null or words_1_before is null
                or order_words is null or words_1_after is null then false
            when previous_created_at - created_at_2_before > {{ gap }}
                or next_created_at - created_at > {{ gap }} then false
            when job_2_before = job_1_before or job_1_after = job_id then false
            when order_words = words_1_before then false  -- the cheap common case: no change
            else {{ token_jaccard('words_2_before', 'words_1_before') }} >= {{ same_subject }}
                and {{ token_jaccard('order_words', 'words_1_after') }} >= {{ same_subject }}
                and greatest(
                    {{ token_jaccard('words_2_before', 'order_words') }},
                    {{ token_jaccard('words_2_before', 'words_1_after') }},
                    {{ token_jaccard('words_1_before', 'order_words') }},
                    {{ token_jaccard('words_1_before', 'words_1_after') }}
                ) < {{ other_subject }}
        end as is_prompt_change
    from ordered

),

flagged as (

    select
        *,
        previous_created_at is null
            or created_at - previous_created_at > {{ gap }}
            or is_prompt_change as is_session_start,
        previous_created_at is not null
            and created_at - previous_created_at <= {{ gap }}
            and is_prompt_change as is_split_by_prompt
    from order_split

),

assigned as (

    -- The session's identity is its artist and first generation: the same generations give
    -- the same id on every rerun, whatever else the lake holds. One more pass carries the
    -- latest session start forward to every generation after it.
    select
        generation_id,
        last_value(case when is_session_start then generation_id end ignore nulls)
            over artist_order as first_generation_id,
        artist_position + 1 - last_value(
            case when is_session_start then artist_position end ignore nulls
        ) over artist_order as position,
        is_split_by_prompt
    from flagged
    window artist_order as (
        partition by artist
        order by artist_position
        rows between unbounded preceding and current row
    )

)

select
    md5(in_scope.artist || '|' || assigned.first_generation_id)[:16] as session_id,
    assigned.position,
    assigned.is_split_by_prompt,
    in_scope.generation_id,
    in_scope.artist,
    in_scope.tool,
    in_scope.prompt,
    in_scope.negative_prompt,
    in_scope.seed,
    in_scope.steps,
    in_scope.cfg_scale,
    in_scope.sampler,
    in_scope.scheduler,
    in_scope.model,
    in_scope.width,
    in_scope.height,
    in_scope.created_at,
    in_scope.created_at_source,
    in_scope.source_archive,
    in_scope.source_path,
    in_scope.source_order,
    in_scope.content_hash,
    in_scope.job_id,
    sha256(in_scope.prompt) as prompt_hash
from in_scope
inner join assigned using (generation_id)
{% if is_incremental() %}
union all by name
select generation_id from gone
{% endif %}
