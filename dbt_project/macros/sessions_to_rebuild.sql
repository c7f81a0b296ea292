{#-
    Session-keyed incremental models rebuild whole sessions. A session is rebuilt when its
    fingerprint in int_sessions_aggregated (members, their order and the embeddings they have)
    differs from the one stored with the model's rows; comparing against the model's own
    `{{ this }}` makes a run that failed or was skipped catch up on the next one.
-#}

{% macro sessions_to_rebuild(min_generations=1) %}
    select sessions.session_id, sessions.session_fingerprint
    from {{ ref('int_sessions_aggregated') }} as sessions
    {% if is_incremental() %}
    anti join (
        select distinct session_id, session_fingerprint from {{ this }}
    ) as built using (session_id, session_fingerprint)
    {% endif %}
    where sessions.n_generations >= {{ min_generations }}
{% endmacro %}
