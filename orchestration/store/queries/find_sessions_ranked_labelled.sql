-- Sessions by their closest prompt to $query, with the session's label and the phase of that
-- prompt; $intent keeps sessions of that intent or with a phase of it.
with ranked as (select * from find_sessions($query::float[]))
select r.session_id, s.artist, s.started_at, s.ended_at, s.n_generations,
       r.similarity, r.best_prompt, r.best_position, i.intent, i.label, m.phase_no, p.label
from ranked as r
join sessions as s using (session_id)
left join session_intents as i using (session_id)
left join session_members as m
    on m.generation_id = r.best_generation_id and m.session_id = r.session_id
left join session_phases as p on p.session_id = r.session_id and p.phase_no = m.phase_no
where ($artist is null or s.artist = $artist)
  and ($since is null or s.ended_at >= $since)
  and ($intent is null or i.intent = $intent or exists (
      select 1 from session_phases as q where q.session_id = r.session_id and q.intent = $intent
  ))
order by r.similarity desc, s.started_at desc, r.session_id
limit $limit
