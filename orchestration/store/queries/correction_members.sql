-- The members of the sessions whose id starts with $prefix, for a correction to name.
select m.generation_id, m.session_id, m.phase_no, s.artist
from session_members as m
join sessions as s using (session_id)
where m.session_id like $prefix || '%'
order by m.session_id, m.position
