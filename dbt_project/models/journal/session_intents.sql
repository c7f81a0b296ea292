-- One row per labelled session: its intent, label and arc, with corrections applied.
with

intents as (

    select * from {{ source('intents', 'session_intents') }}

),

sessions as (

    select session_id from {{ ref('int_sessions_aggregated') }}

)

select
    intents.session_id,
    intents.artist,
    intents.intent,
    intents.label,
    intents.arc,
    intents.confidence,
    intents.corrected,
    intents.inferred_intent,
    intents.inferred_label,
    intents.signals,
    intents.n_phases,
    intents.started_at,
    intents.ended_at,
    intents.n_generations,
    intents.fingerprint,
    intents.labelled_at
from intents
semi join sessions using (session_id)
