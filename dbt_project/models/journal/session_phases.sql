-- Each labelled session's phases in order, with corrections applied (see `corrected`).
with

phases as (

    select * from {{ source('intents', 'session_phases') }}

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
