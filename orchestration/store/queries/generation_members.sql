-- Where the given generations sit now: their session and phase.
select generation_id, session_id, phase_no
from session_members
where generation_id in (select unnest($ids))
