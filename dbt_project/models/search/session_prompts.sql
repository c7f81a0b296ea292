-- One row per distinct prompt of a session: what `find_sessions` joins a prompt's score to,
-- so a prompt rendered 40 times is scored once; its positions place it in phases
-- (`find_phases`).
{{ config(materialized='table') }}

with

members as (

    select * from {{ ref('int_generations_sessionized') }}

)

select
    session_id,
    prompt_hash,
    any_value(artist) as artist,
    arg_min(prompt, position) as prompt,
    arg_min(generation_id, position) as first_generation_id,
    min(position) as first_position,
    list(position order by position) as positions,
    count(*) as n_generations
from members
where prompt_hash is not null
group by session_id, prompt_hash
