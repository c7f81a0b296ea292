-- Which session each generation belongs to, its position there, and the phase the intent
-- asset put it in (NULL until the session is labelled, e.g. beyond a run's budget).
with

sessionized as (

    select * from {{ ref('int_generations_sessionized') }}

),

member_phases as (

    {% if lake_has_files('intents/member_phases.parquet') %}
    select generation_id, session_id, phase_no from {{ source('intents', 'member_phases') }}
    {% else %}
    select null::varchar as generation_id, null::varchar as session_id, null::integer as phase_no
    where false
    {% endif %}

)

select
    sessionized.generation_id,
    sessionized.session_id,
    sessionized.position,
    member_phases.phase_no
from sessionized
left join member_phases using (generation_id, session_id)
