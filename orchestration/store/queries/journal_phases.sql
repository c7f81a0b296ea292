-- The phases of the given sessions, in order.
select session_id, phase_no, intent, label, n_generations, confidence, corrected
from session_phases
where session_id in (select unnest($ids))
order by session_id, phase_no
