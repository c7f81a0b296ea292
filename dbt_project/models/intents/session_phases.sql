-- Each labelled session's phases in order, with corrections applied (see `corrected`).
-- Its post-hook creates the table macro `find_phases`, which ranks phases by a query vector.
{{ config(post_hook="{{ find_phases() }}") }}

with

phases as (

    {% if lake_has_files('intents/session_phases.parquet') %}
    select * from {{ source('intents', 'session_phases') }}
    {% else %}
    -- Before the intent asset first runs (e.g. a plain `dbt build`): no labels yet.
    select
        null::varchar as session_id, null::varchar as artist, null::integer as phase_no,
        null::varchar as intent, null::varchar as label,
        null::timestamptz as started_at, null::timestamptz as ended_at,
        null::integer as first_position, null::integer as last_position,
        null::integer as n_generations, null::double as confidence, null::varchar[] as signals,
        null::varchar[] as concepts, null::varchar as parameter, null::varchar as first_value,
        null::varchar as last_value, null::integer as n_candidates,
        null::varchar as inferred_intent, null::varchar as inferred_label,
        null::boolean as corrected
    where false
    {% endif %}

),

sessions as (

    select session_id from {{ ref('int_sessions_aggregated') }}

)

select
    phases.session_id,
    phases.artist,
    phases.phase_no,
    phases.intent,
    phases.label,
    phases.started_at,
    phases.ended_at,
    phases.first_position,
    phases.last_position,
    phases.n_generations,
    phases.confidence,
    phases.signals,
    phases.concepts,
    phases.parameter,
    phases.first_value,
    phases.last_value,
    phases.n_candidates,
    phases.corrected,
    phases.inferred_intent,
    phases.inferred_label
from phases
-- Labels of sessions that no longer exist (merged, or their archive removed) are not shown.
semi join sessions using (session_id)
