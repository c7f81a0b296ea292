-- Sessions by their closest prompt to $query, before the first labelling run (no intents).
with ranked as (select * from find_sessions($query::float[]))
select r.session_id, s.artist, s.started_at, s.ended_at, s.n_generations,
       r.similarity, r.best_prompt, r.best_position, null, null, null, null
from ranked as r
join sessions as s using (session_id)
where ($artist is null or s.artist = $artist)
  and ($since is null or s.ended_at >= $since)
order by r.similarity desc, s.started_at desc, r.session_id
limit $limit
