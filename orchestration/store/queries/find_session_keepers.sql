-- The keepers of the given sessions, best first, with their reasons and where the file is.
select k.session_id, k.generation_id,
       string_agg(k.reason || ': ' || k.evidence, '; ' order by k.reason),
       any_value(g.source_archive), any_value(g.source_path)
from session_keepers as k
join generations as g using (generation_id)
where k.session_id in (select unnest($ids))
group by k.session_id, k.generation_id, k.rank
order by k.session_id, k.rank
