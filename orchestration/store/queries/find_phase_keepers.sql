-- The keepers of the given sessions with their positions, to place each inside its phase.
select k.session_id, m.position, k.generation_id,
       string_agg(k.reason || ': ' || k.evidence, '; ' order by k.reason),
       any_value(g.source_archive), any_value(g.source_path)
from session_keepers as k
join session_members as m using (generation_id, session_id)
join generations as g using (generation_id)
where k.session_id in (select unnest($ids))
group by k.session_id, m.position, k.generation_id, k.rank
order by k.session_id, k.rank
