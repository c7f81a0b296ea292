with

series as (

    select * from {{ ref('int_similarity_series_smoothed') }}

)

select
    generation_id,
    session_id,
    position,
    prompt_similarity,
    prompt_similarity_rolling_mean,
    prompt_convergence_slope,
    prompt_jaccard,
    prompt_jaccard_rolling_mean,
    token_convergence_slope,
    image_similarity,
    image_similarity_rolling_mean,
    image_convergence_slope,
    is_prompt_pivot,
    is_image_pivot,
    is_token_pivot,
    is_candidate_pivot
from series
