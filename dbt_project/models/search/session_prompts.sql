-- One row per distinct prompt of a session: what `find_sessions` joins a prompt's score to,
-- so a prompt rendered 40 times is scored once; its positions place it in phases
-- (`find_phases`). Incremental by whole sessions like int_generation_pairs_compared: a run
-- rebuilds the sessions whose fingerprint moved.
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

    select * from {{ ref('int_generations_sessionized') }}

)

select
    session_id,
    any_value(session_fingerprint) as session_fingerprint,
    prompt_hash,
    any_value(artist) as artist,
    arg_min(prompt, position) as prompt,
    arg_min(generation_id, position) as first_generation_id,
    min(position) as first_position,
    list(position order by position) as positions,
    count(*) as n_generations
from members
inner join sessions_to_build using (session_id)
where prompt_hash is not null
group by session_id, prompt_hash
