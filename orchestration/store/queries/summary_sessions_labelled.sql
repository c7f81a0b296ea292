-- One artist's latest sessions with their labels.
select s.session_id, s.started_at, s.ended_at, s.n_generations, s.n_distinct_prompts,
       i.label, s.is_split_by_prompt
from sessions as s
left join session_intents as i using (session_id)
where s.artist = $artist
order by s.started_at desc
limit $limit
