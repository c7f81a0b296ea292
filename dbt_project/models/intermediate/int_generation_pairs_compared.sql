-- Each generation next to its predecessor in the session: how far the prompt moved (embedding
-- cosine and token Jaccard), how far the image moved (cosine, one image model only), and
-- which parameters changed. Position 1 has no predecessor and no row.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='session_id',
        post_hook="{{ delete_vanished_sessions() }}",
    )
}}

with

sessions_to_build as (

    {{ sessions_to_rebuild(min_generations=2) }}

),

members as (

    select * from {{ ref('int_generations_sessionized') }}

),

selected_models as (

    select * from {{ ref('int_embedding_models_selected') }}

),

tokenized as (

    select
        members.*,
        sessions_to_build.session_fingerprint,
        list_distinct(list_filter(
            regexp_split_to_array(lower(members.prompt), '[^\p{L}\p{N}]+'), t -> t != ''
        )) as prompt_tokens
    from members
    inner join sessions_to_build using (session_id)

),

sequenced as (

    select
        *,
        lag(generation_id) over session_order as previous_generation_id,
        lag(created_at) over session_order as previous_created_at,
        lag(prompt) over session_order as previous_prompt,
        lag(prompt_hash) over session_order as previous_prompt_hash,
        lag(prompt_tokens) over session_order as previous_prompt_tokens,
        lag(content_hash) over session_order as previous_content_hash,
        lag(seed) over session_order as previous_seed,
        lag(cfg_scale) over session_order as previous_cfg_scale,
        lag(steps) over session_order as previous_steps,
        lag(width) over session_order as previous_width,
        lag(height) over session_order as previous_height,
        lag(sampler) over session_order as previous_sampler,
        lag(scheduler) over session_order as previous_scheduler,
        lag(model) over session_order as previous_model
    from tokenized
    window session_order as (partition by session_id order by position)

),

pairs as (

    select * from sequenced where position > 1

),

-- Only the vectors this run's pairs need: a nightly run reads a few thousand, not all.
image_vectors as (

    select content_hash, embedding
    from {{ ref('stg_lake__image_embeddings') }}
    where model_id = (select model_id from selected_models where modality = 'image')
        and content_hash in (
            select content_hash from pairs
            union
            select previous_content_hash from pairs
        )

),

prompt_vectors as (

    select prompt_hash, embedding
    from {{ ref('stg_lake__prompt_embeddings') }}
    where model_id = (select model_id from selected_models where modality = 'prompt')
        and prompt_hash in (
            select prompt_hash from pairs
            union
            select previous_prompt_hash from pairs
        )

),

compared as (

    select
        pairs.*,
        list_cosine_similarity(pv.embedding, previous_pv.embedding) as prompt_similarity,
        list_cosine_similarity(iv.embedding, previous_iv.embedding) as image_similarity
    from pairs
    left join prompt_vectors as pv on pv.prompt_hash = pairs.prompt_hash
    left join prompt_vectors as previous_pv on previous_pv.prompt_hash = pairs.previous_prompt_hash
    left join image_vectors as iv on iv.content_hash = pairs.content_hash
    left join image_vectors as previous_iv
        on previous_iv.content_hash = pairs.previous_content_hash

)

select
    generation_id,
    previous_generation_id,
    session_id,
    artist,
    position,
    epoch(created_at - previous_created_at) as seconds_since_previous,
    prompt is not distinct from previous_prompt as is_prompt_kept,
    prompt_similarity::double as prompt_similarity,
    case
        when prompt is null or previous_prompt is null then null
        when len(list_distinct(list_concat(prompt_tokens, previous_prompt_tokens))) = 0 then null
        else len(list_intersect(prompt_tokens, previous_prompt_tokens))
            / len(list_distinct(list_concat(prompt_tokens, previous_prompt_tokens)))
    end as prompt_jaccard,
    image_similarity::double as image_similarity,
    case when prompt_similarity is not null
        then (select model_id from selected_models where modality = 'prompt')
    end as prompt_model_id,
    case when image_similarity is not null
        then (select model_id from selected_models where modality = 'image')
    end as image_model_id,
    case when seed is not null and previous_seed is not null
        then seed = previous_seed
    end as is_seed_kept,
    cfg_scale - previous_cfg_scale as cfg_scale_change,
    steps - previous_steps as steps_change,
    width::bigint * height - previous_width::bigint * previous_height as pixel_count_change,
    case when width is not null and previous_width is not null
        then width != previous_width or height is distinct from previous_height
    end as is_size_changed,
    case when sampler is not null and previous_sampler is not null
        then sampler != previous_sampler
    end as is_sampler_changed,
    case when scheduler is not null and previous_scheduler is not null
        then scheduler != previous_scheduler
    end as is_scheduler_changed,
    case when model is not null and previous_model is not null
        then model != previous_model
    end as is_model_changed,
    session_fingerprint
from compared
