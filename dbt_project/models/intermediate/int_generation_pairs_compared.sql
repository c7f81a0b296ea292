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
        {{ prompt_tokens('members.prompt') }} as prompt_tokens
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

selected_image_keys as (

    {{ selected_model_keys('image') }}

),

selected_prompt_keys as (

    {{ selected_model_keys('prompt') }}

),

-- Whether both sides of the pair have a vector of the selected model (key columns only).
covered as (

    select
        pairs.*,
        pairs.prompt_hash in (select prompt_hash from selected_prompt_keys)
            and pairs.previous_prompt_hash in (select prompt_hash from selected_prompt_keys)
            as has_prompt_vectors,
        pairs.content_hash in (select content_hash from selected_image_keys)
            and pairs.previous_content_hash in (select content_hash from selected_image_keys)
            as has_image_vectors
    from pairs

),

{% if is_incremental() %}

-- A rebuilt session keeps most of its pairs: the same two generations under the same models
-- have the same cosine, so it is taken from the stored row and only new pairs fetch vectors.
-- A run therefore reads the vectors of the generations that arrived, not of whole sessions.
reusable as (

    select
        covered.*,
        case when stored.prompt_model_id
                = (select model_id from selected_models where modality = 'prompt')
            then stored.prompt_similarity
        end as stored_prompt_similarity,
        case when stored.image_model_id
                = (select model_id from selected_models where modality = 'image')
            then stored.image_similarity
        end as stored_image_similarity
    from covered
    left join {{ this }} as stored
        on stored.generation_id = covered.generation_id
        and stored.previous_generation_id = covered.previous_generation_id

),

{% else %}

reusable as (

    select
        *,
        null::float as stored_prompt_similarity,
        null::float as stored_image_similarity
    from covered

),

{% endif %}

to_fetch as (

    select
        prompt_hash,
        previous_prompt_hash,
        content_hash,
        previous_content_hash,
        has_prompt_vectors and stored_prompt_similarity is null as needs_prompt_vectors,
        has_image_vectors and stored_image_similarity is null as needs_image_vectors
    from reusable

),

-- Filter the stored rows first, then keep one per key: the filter reaches the Parquet scan.
image_vectors as (

    select content_hash, embedding
    from {{ ref('stg_lake__image_embedding_rows') }}
    where model_id = (select model_id from selected_models where modality = 'image')
        and content_hash in (
            select content_hash from to_fetch where needs_image_vectors
            union
            select previous_content_hash from to_fetch where needs_image_vectors
        )
    qualify row_number() over (partition by content_hash) = 1

),

prompt_vectors as (

    select prompt_hash, embedding
    from {{ ref('stg_lake__prompt_embedding_rows') }}
    where model_id = (select model_id from selected_models where modality = 'prompt')
        and prompt_hash in (
            select prompt_hash from to_fetch where needs_prompt_vectors
            union
            select previous_prompt_hash from to_fetch where needs_prompt_vectors
        )
    qualify row_number() over (partition by prompt_hash) = 1

),

compared as (

    select
        reusable.*,
        case when has_prompt_vectors then coalesce(
            stored_prompt_similarity,
            list_cosine_similarity(pv.embedding, previous_pv.embedding)
        ) end as prompt_similarity,
        case when has_image_vectors then coalesce(
            stored_image_similarity,
            list_cosine_similarity(iv.embedding, previous_iv.embedding)
        ) end as image_similarity
    from reusable
    left join prompt_vectors as pv on pv.prompt_hash = reusable.prompt_hash
    left join prompt_vectors as previous_pv
        on previous_pv.prompt_hash = reusable.previous_prompt_hash
    left join image_vectors as iv on iv.content_hash = reusable.content_hash
    left join image_vectors as previous_iv
        on previous_iv.content_hash = reusable.previous_content_hash

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
    {{ token_jaccard('prompt_tokens', 'previous_prompt_tokens') }} as prompt_jaccard,
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
