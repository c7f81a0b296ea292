-- One row per session: size, pace, variety and how much metadata it carries, so later steps
-- know which signals to trust (a log without images has no image similarity to read).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='session_id',
        post_hook="{{ delete_vanished_sessions() }}",
    )
}}

{% set min_share = var('signal_min_share', 0.5) %}

with

sessions_to_build as (

    {{ sessions_to_rebuild(min_generations=1) }}

),

sessions as (

    select sessions.*
    from {{ ref('int_sessions_aggregated') }} as sessions
    semi join sessions_to_build using (session_id)

),

members as (

    select members.*
    from {{ ref('int_generations_sessionized') }} as members
    semi join sessions_to_build using (session_id)

),

pairs as (

    select pairs.*
    from {{ ref('int_generation_pairs_compared') }} as pairs
    semi join sessions_to_build using (session_id)

),

series as (

    select series.*
    from {{ ref('int_similarity_series_smoothed') }} as series
    semi join sessions_to_build using (session_id)

),

trajectories as (

    select trajectories.*
    from {{ ref('int_parameter_trajectories_traced') }} as trajectories
    semi join sessions_to_build using (session_id)

),

member_stats as (

    select
        session_id,
        count(distinct seed) as n_distinct_seeds,
        count(distinct model) as n_distinct_models,
        count(*) filter (where prompt is not null) as n_with_prompt,
        count(*) filter (
            where seed is not null and steps is not null and cfg_scale is not null
        ) as n_with_parameters,
        count(*) filter (where content_hash is not null) as n_with_image,
        mode(tool order by tool) as primary_tool
    from members
    group by session_id

),

tool_counts as (

    select session_id, tool, count(*) as n
    from members
    group by session_id, tool

),

tool_mix as (

    select
        session_id,
        count(*) as n_tools,
        string_agg(tool || ': ' || n, ', ' order by n desc, tool) as tool_mix
    from tool_counts
    group by session_id

),

-- A concept is a run of consecutive prompts that stay close: a new one starts where the
-- prompt embedding cosine falls below `concept_min_similarity` (the token Jaccard below
-- `concept_min_jaccard` where the pair has no prompt embeddings).
pair_stats as (

    select
        session_id,
        count(*) filter (
            where coalesce(
                prompt_similarity < {{ var('concept_min_similarity', 0.8) }},
                prompt_jaccard < {{ var('concept_min_jaccard', 0.5) }},
                false
            )
        ) as n_concept_changes,
        count(*) filter (where image_similarity is not null) as n_image_pairs,
        count(*) filter (where prompt_similarity is not null) as n_prompt_pairs,
        median(seconds_since_previous) as median_seconds_between
    from pairs
    group by session_id

),

pivot_stats as (

    select
        session_id,
        count(*) filter (where is_candidate_pivot) as n_candidate_pivots,
        list(position order by position) filter (where is_candidate_pivot) as pivot_positions
    from series
    group by session_id

),

trajectory_stats as (

    select
        session_id,
        count(*) filter (where n_changes > 0) as n_parameters_changed,
        count(*) filter (where is_monotone_sweep) as n_monotone_sweeps
    from trajectories
    group by session_id

)

select
    sessions.session_id,
    sessions.artist,
    sessions.started_at,
    sessions.ended_at,
    epoch(sessions.ended_at - sessions.started_at) as duration_seconds,
    sessions.n_generations,
    pair_stats.median_seconds_between,
    sessions.n_distinct_prompts,
    member_stats.n_distinct_seeds,
    case
        when member_stats.n_with_prompt = 0 then 0
        else 1 + coalesce(pair_stats.n_concept_changes, 0)
    end as n_distinct_concepts,
    member_stats.n_distinct_models,
    tool_mix.n_tools,
    member_stats.primary_tool,
    tool_mix.tool_mix,
    coalesce(trajectory_stats.n_parameters_changed, 0) as n_parameters_changed,
    coalesce(trajectory_stats.n_monotone_sweeps, 0) as n_monotone_sweeps,
    coalesce(pivot_stats.n_candidate_pivots, 0) as n_candidate_pivots,
    coalesce(pivot_stats.pivot_positions, []::bigint[]) as pivot_positions,
    member_stats.n_with_prompt / sessions.n_generations as share_with_prompt,
    member_stats.n_with_parameters / sessions.n_generations as share_with_parameters,
    member_stats.n_with_image / sessions.n_generations as share_with_image,
    sessions.n_with_prompt_embedding / sessions.n_generations as share_with_prompt_embedding,
    sessions.n_with_image_embedding / sessions.n_generations as share_with_image_embedding,
    member_stats.n_with_prompt / sessions.n_generations >= {{ min_share }} as has_prompt_signal,
    member_stats.n_with_parameters / sessions.n_generations >= {{ min_share }}
        as has_parameter_signal,
    sessions.n_with_prompt_embedding / sessions.n_generations >= {{ min_share }}
        as has_prompt_embedding_signal,
    sessions.n_with_image_embedding / sessions.n_generations >= {{ min_share }}
        as has_image_signal,
    sessions.session_fingerprint
from sessions
inner join member_stats using (session_id)
inner join tool_mix using (session_id)
left join pair_stats using (session_id)
left join pivot_stats using (session_id)
left join trajectory_stats using (session_id)
