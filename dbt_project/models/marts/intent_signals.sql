-- What the intent asset reads: every generation of every session in order, with its
-- parameters and, from position 2 on, how far it moved from its predecessor. One row per
-- generation (position 1 has NULL pair columns).
with

members as (

    select * from {{ ref('int_generations_sessionized') }}

),

pairs as (

    select * from {{ ref('int_generation_pairs_compared') }}

),

sessions as (

    select session_id, session_fingerprint from {{ ref('int_sessions_aggregated') }}

),

-- Keepers (session_keepers): a label counts them, and a change to them relabels the session,
-- so their digest joins the session fingerprint.
keepers as (

    select session_id, generation_id, string_agg(reason, ',' order by reason) as keeper_reasons
    from {{ ref('session_keepers') }}
    group by session_id, generation_id

),

keeper_digests as (

    select * from {{ ref('session_keeper_digests') }}

),

-- Images that already have a vector for the image model in use (the budget counts the rest).
embedded_images as (

    select distinct content_hash from ({{ selected_model_keys('image') }})

)

select
    members.session_id,
    sessions.session_fingerprint || coalesce(' keepers:' || keeper_digests.keeper_digest, '')
        as session_fingerprint,
    members.artist,
    members.tool,
    members.generation_id,
    members.position,
    members.created_at,
    members.prompt,
    members.negative_prompt,
    members.prompt_hash,
    members.seed,
    members.steps,
    members.cfg_scale,
    members.sampler,
    members.scheduler,
    members.model,
    members.width,
    members.height,
    members.content_hash,
    members.job_id,
    members.source_archive,
    members.source_path,
    pairs.seconds_since_previous,
    pairs.is_prompt_kept,
    pairs.prompt_similarity,
    pairs.prompt_jaccard,
    pairs.image_similarity,
    pairs.prompt_model_id,
    pairs.image_model_id,
    pairs.is_seed_kept,
    pairs.cfg_scale_change,
    pairs.steps_change,
    pairs.pixel_count_change,
    pairs.is_size_changed,
    pairs.is_sampler_changed,
    pairs.is_scheduler_changed,
    pairs.is_model_changed,
    embedded_images.content_hash is not null as has_image_embedding,
    keepers.keeper_reasons
from members
inner join sessions using (session_id)
left join pairs using (generation_id)
left join keepers using (session_id, generation_id)
left join keeper_digests using (session_id)
left join embedded_images on embedded_images.content_hash = members.content_hash
