-- Labelled phases by their closest prompt to $query (`find_phases`, filters and top_n inside
-- the macro), with each phase's place in its session.
select f.session_id, f.phase_no, f.artist, p.started_at, p.ended_at, p.n_generations,
       f.intent, f.label, f.first_position, f.last_position, f.similarity,
       f.best_prompt, f.best_position,
       (select count(*) from session_phases as q where q.session_id = f.session_id)
from find_phases(
    $query::float[], only_artist := $artist, only_intent := $intent, ended_since := $since,
    top_n := $limit
) as f
join session_phases as p using (session_id, phase_no)
order by f.similarity desc, p.started_at desc, f.session_id, f.phase_no
limit $limit
