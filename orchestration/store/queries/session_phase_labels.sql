-- The phase labels of the given sessions, in order.
select session_id, phase_no, label
from session_phases
where session_id in (select unnest($ids))
order by session_id, phase_no
