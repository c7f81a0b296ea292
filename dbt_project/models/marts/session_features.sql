with

features as (

    select * from {{ ref('int_session_features_derived') }}

)

select
    session_id,
    artist,
    started_at,
    ended_at,
    duration_seconds,
    n_generations,
    median_seconds_between,
    n_distinct_prompts,
    n_distinct_seeds,
    n_distinct_concepts,
    n_distinct_models,
    n_tools,
    primary_tool,
    tool_mix,
    n_parameters_changed,
    n_monotone_sweeps,
    n_candidate_pivots,
    pivot_positions,
    share_with_prompt,
    share_with_parameters,
    share_with_image,
    share_with_prompt_embedding,
    share_with_image_embedding,
    has_prompt_signal,
    has_parameter_signal,
    has_prompt_embedding_signal,
    has_image_signal
from features
