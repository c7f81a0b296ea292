-- The labels the journal shows now: per session its label, arc and numbered phase labels.
select i.session_id, i.artist, i.intent, i.label, i.arc,
       coalesce(p.phases, []::varchar[]) as phases
from session_intents as i
left join (
    select session_id,
           list(format('{}. {}: {}', phase_no, intent, label) order by phase_no) as phases
    from session_phases
    group by session_id
) as p using (session_id)
