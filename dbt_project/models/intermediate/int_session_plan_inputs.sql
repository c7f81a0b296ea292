-- Per session, what the labelling plan reads besides the keepers: the models its pairs were
-- measured with, its size, the images still to embed, whether it records no parameters, and
-- the seed-habit counts (a predecessor is within the session, so an artist's counts are the sum
-- of their sessions'). The same columns `SignalSource` computes from intent_signals in one pass
-- (a test holds the two equal); here a run computes them only for the sessions whose
-- fingerprint moved, so planning over a 1M history reads 216k rows, not the signals.
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

    {{ sessions_to_rebuild() }}

),

members as (

    select members.*
    from {{ ref('int_generations_sessionized') }} as members
    semi join sessions_to_build using (session_id)

),

pairs as (

    select generation_id, prompt_model_id, image_model_id
    from {{ ref('int_generation_pairs_compared') }}
    semi join sessions_to_build using (session_id)

),

-- Images that already have a vector for the image model in use (as intent_signals has them).
embedded_images as (

    select distinct content_hash from ({{ selected_model_keys('image') }})

),

signals as (

    select
        members.session_id,
        members.artist,
        members.created_at,
        members.content_hash,
        members.seed,
        members.steps,
        members.cfg_scale,
        members.sampler,
        pairs.prompt_model_id,
        pairs.image_model_id,
        embedded_images.content_hash is not null as has_image_embedding,
        lag(members.seed::bigint) over (
            partition by members.session_id order by members.position
        ) as previous_seed
    from members
    left join pairs using (generation_id)
    left join embedded_images on embedded_images.content_hash = members.content_hash

)

select
    signals.session_id,
    any_value(sessions_to_build.session_fingerprint) as session_fingerprint,
    min(signals.artist) as artist,
    max(signals.created_at) as ended_at,
    array_to_string(list_sort(list_distinct(list_filter(
        flatten(list([prompt_model_id, image_model_id])), m -> m is not null and m <> ''
    ))), ',') as model_ids,
    count(*) as n_generations,
    count(*) filter (where content_hash is not null and not has_image_embedding)
        as n_images_to_embed,
    bool_and(seed is null and steps is null and cfg_scale is null and sampler is null)
        as needs_visual,
    count(*) filter (where seed is not null and previous_seed is not null) as n_seed_pairs,
    count(*) filter (where abs(seed::bigint - previous_seed) <= {{ var('seed_step') }})
        as n_seed_kept
from signals
inner join sessions_to_build using (session_id)
group by signals.session_id
