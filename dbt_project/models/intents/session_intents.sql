-- One row per labelled session: its intent, label and arc, with corrections applied.
with

intents as (

    {% if lake_has_files('intents/session_intents.parquet') %}
    select * from {{ source('intents', 'session_intents') }}
    {% else %}
    -- Before the intent asset first runs (e.g. a plain `dbt build`): no labels yet.
    select
        null::varchar as session_id, null::varchar as artist, null::varchar as intent,
        null::varchar as label, null::varchar as arc, null::double as confidence,
        null::boolean as corrected, null::varchar as inferred_intent,
        null::varchar as inferred_label, null::varchar[] as signals, null::integer as n_phases,
        null::timestamptz as started_at, null::timestamptz as ended_at,
        null::integer as n_generations, null::varchar as fingerprint,
        null::timestamptz as labelled_at
    where false
    {% endif %}

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
