{#-
    Post-hook: rows of sessions that no longer exist (merged into another, or whose
    generations left the lake). delete+insert on session_id replaces the sessions a run
    rebuilds but cannot see the ones that vanished.
-#}
{% macro delete_vanished_sessions() %}
    delete from {{ this }}
    where session_id not in (select session_id from {{ ref('int_sessions_aggregated') }})
{% endmacro %}
