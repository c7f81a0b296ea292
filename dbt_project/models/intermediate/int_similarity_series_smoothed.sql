-- Per session, the similarity of each generation to its predecessor as a series: rolling
-- means over the last `similarity_window` pairs, the convergence slope (least-squares slope of
-- similarity over position; above zero, the artist is closing in), and candidate pivots: a
-- pair whose similarity falls `pivot_min_drop` or more below the mean of the pairs before it
-- and below the previous pair (staying low after a drop is not another pivot).
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='session_id',
        post_hook="{{ delete_vanished_sessions() }}",
    )
}}

{% set window = var('similarity_window', 3) | int %}
{% set min_drop = var('pivot_min_drop', 0.3) %}

with

sessions_to_build as (

    {{ sessions_to_rebuild(min_generations=2) }}

),

pairs as (

    select pairs.*
    from {{ ref('int_generation_pairs_compared') }} as pairs
    semi join sessions_to_build using (session_id)

),

rolled as (

    select
        session_id,
        generation_id,
        position,
        prompt_similarity,
        prompt_jaccard,
        image_similarity,
        {% for signal in ['prompt_similarity', 'prompt_jaccard', 'image_similarity'] %}
        avg({{ signal }}) over trailing_pairs as {{ signal }}_rolling_mean,
        avg({{ signal }}) over earlier_pairs as {{ signal }}_mean_before,
        lag({{ signal }}) over session_order as {{ signal }}_previous,
        -- NaN when fewer than two pairs carry the signal; NULL says "no slope" plainly.
        -- Rounded: a parallel sum's last bits vary between runs, and a full refresh and an
        -- incremental run must give identical tables.
        round(nullif(regr_slope({{ signal }}, position) over whole_session, 'nan'::double), 9)
            as {{ signal }}_slope,
        {% endfor %}
        session_fingerprint
    from pairs
    window
        trailing_pairs as (
            partition by session_id order by position
            rows between {{ window - 1 }} preceding and current row
        ),
        earlier_pairs as (
            partition by session_id order by position
            rows between {{ window }} preceding and 1 preceding
        ),
        session_order as (partition by session_id order by position),
        whole_session as (partition by session_id)

),

flagged as (

    select
        *,
        coalesce(
            prompt_similarity_mean_before - prompt_similarity >= {{ min_drop }}
            and prompt_similarity_previous > prompt_similarity,
            false
        ) as is_prompt_pivot,
        coalesce(
            image_similarity_mean_before - image_similarity >= {{ min_drop }}
            and image_similarity_previous > image_similarity,
            false
        ) as is_image_pivot,
        coalesce(
            prompt_jaccard_mean_before - prompt_jaccard >= {{ min_drop }}
            and prompt_jaccard_previous > prompt_jaccard,
            false
        ) as is_token_pivot
    from rolled

)

select
    generation_id,
    session_id,
    position,
    prompt_similarity,
    prompt_similarity_rolling_mean,
    prompt_similarity_slope as prompt_convergence_slope,
    prompt_jaccard,
    prompt_jaccard_rolling_mean,
    prompt_jaccard_slope as token_convergence_slope,
    image_similarity,
    image_similarity_rolling_mean,
    image_similarity_slope as image_convergence_slope,
    is_prompt_pivot,
    is_image_pivot,
    is_token_pivot,
    is_prompt_pivot or is_image_pivot or is_token_pivot as is_candidate_pivot,
    session_fingerprint
from flagged
