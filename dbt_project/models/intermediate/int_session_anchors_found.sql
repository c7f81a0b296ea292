-- Per session, the render later renders stay closest to: each render's nearest earlier render
-- (image cosine where the session has image vectors of the selected model, else prompt cosine;
-- among the `keeper_anchor_window` renders before it; a tie goes to the later render, so a
-- prompt re-run unchanged chains to its predecessor and names no anchor) is counted, and the
-- render named most often is the session's anchor. One row per session (a session that
-- shrinks must be rebuilt too), the anchor columns NULL where no render is anyone's nearest
-- twice. session_keepers decides
-- whether the anchor is a keeper. Incremental by whole sessions like
-- int_generation_pairs_compared.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='session_id',
        post_hook="{{ delete_vanished_sessions() }}",
    )
}}

{% set window = var('keeper_anchor_window', 20) %}

with

sessions_to_build as (

    {{ sessions_to_rebuild() }}

),

members as (

    select
        members.session_id,
        members.generation_id,
        members.position,
        members.content_hash,
        members.prompt_hash
    from {{ ref('int_generations_sessionized') }} as members
    inner join sessions_to_build using (session_id)

),

selected_models as (

    select * from {{ ref('int_embedding_models_selected') }}

),

-- Filter the stored rows first, then keep one per key: the filter reaches the Parquet scan.
image_vectors as (

    select content_hash, embedding
    from {{ ref('stg_lake__image_embedding_rows') }}
    where model_id = (select model_id from selected_models where modality = 'image')
        and content_hash in (select content_hash from members)
    qualify row_number() over (partition by content_hash) = 1

),

prompt_vectors as (

    select prompt_hash, embedding
    from {{ ref('stg_lake__prompt_embedding_rows') }}
    where model_id = (select model_id from selected_models where modality = 'prompt')
        and prompt_hash in (select prompt_hash from members)
    qualify row_number() over (partition by prompt_hash) = 1

),

vectored as (

    select
        members.*,
        image_vectors.embedding as image_embedding,
        prompt_vectors.embedding as prompt_embedding,
        bool_or(image_vectors.embedding is not null) over (
            partition by members.session_id
        ) as has_images
    from members
    left join image_vectors using (content_hash)
    left join prompt_vectors using (prompt_hash)

),

signal as (

    select
        session_id,
        generation_id,
        position,
        has_images,
        case when has_images then image_embedding else prompt_embedding end as embedding
    from vectored

),

compared as (

    select
        later.session_id,
        later.generation_id as later_generation_id,
        later.position as later_position,
        earlier.generation_id,
        earlier.position,
        list_cosine_similarity(earlier.embedding, later.embedding) as similarity
    from signal as later
    inner join signal as earlier
        on earlier.session_id = later.session_id
        and earlier.position < later.position
        and earlier.position >= later.position - {{ window }}
    where earlier.embedding is not null and later.embedding is not null

),

nearest as (

    select *
    from compared
    qualify row_number() over (
        partition by later_generation_id order by similarity desc, position desc
    ) = 1

),

counted as (

    select
        session_id,
        generation_id,
        any_value(position) as position,
        count(*) as n_closest,
        avg(similarity) as mean_similarity,
        max(later_position) as last_follower_position
    from nearest
    group by session_id, generation_id
    having count(*) >= 2

),

best as (

    select *
    from counted
    qualify row_number() over (
        partition by session_id order by n_closest desc, mean_similarity desc, position
    ) = 1

),

sizes as (

    select
        session_id,
        max(position) as n_generations,
        bool_or(has_images) as has_images
    from signal
    group by session_id

)

select
    sessions_to_build.session_id,
    best.generation_id,
    best.position,
    least(sizes.n_generations - best.position, {{ window }}) as n_later,
    best.n_closest,
    best.mean_similarity::double as mean_similarity,
    best.last_follower_position,
    case when sizes.has_images then 'image' else 'prompt' end as similarity_kind,
    sessions_to_build.session_fingerprint
from sessions_to_build
inner join sizes using (session_id)
left join best using (session_id)
