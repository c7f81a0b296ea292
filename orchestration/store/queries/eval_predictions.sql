-- Each generation's inferred phase intent and its session's inferred intent.
select m.generation_id, m.session_id,
       p.inferred_intent as phase_intent, i.inferred_intent as session_intent
from session_members as m
join session_phases as p using (session_id, phase_no)
join session_intents as i using (session_id)
