-- The keepers of the given sessions, best first, each with its reasons.
select k.session_id, m.position,
       string_agg(k.reason || ': ' || k.evidence, '; ' order by k.reason)
from session_keepers as k
join session_members as m using (session_id, generation_id)
where k.session_id in (select unnest($ids))
group by k.session_id, m.position, k.rank
order by k.session_id, k.rank
