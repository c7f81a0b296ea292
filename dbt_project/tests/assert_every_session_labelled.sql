{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'session_intents'}}}) }}
-- Every session has an intent label. A warning, not an error: a budgeted run labels the most
-- valuable sessions first and leaves the rest for the next run (see the asset's metadata).
select sessions.session_id, 'session has no intent label yet' as problem
from {{ ref('sessions') }} as sessions
anti join {{ ref('session_intents') }} as intents using (session_id)
