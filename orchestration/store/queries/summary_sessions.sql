-- One artist's latest sessions, before the first labelling run (no intent views yet).
select session_id, started_at, ended_at, n_generations, n_distinct_prompts,
       null as label, is_split_by_prompt
from sessions
where artist = $artist
order by started_at desc
limit $limit
