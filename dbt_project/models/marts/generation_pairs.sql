with

pairs as (

    select * from {{ ref('int_generation_pairs_compared') }}

)

select
    generation_id,
    previous_generation_id,
    session_id,
    artist,
    position,
    seconds_since_previous,
    is_prompt_kept,
    prompt_similarity,
    prompt_jaccard,
    image_similarity,
    prompt_model_id,
    image_model_id,
    is_seed_kept,
    cfg_scale_change,
    steps_change,
    pixel_count_change,
    is_size_changed,
    is_sampler_changed,
    is_scheduler_changed,
    is_model_changed
from pairs
