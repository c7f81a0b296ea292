-- Sessions newest first with their labels (unlabelled ones too), optionally of one artist.
select s.session_id, s.artist, s.started_at, s.ended_at, s.n_generations,
       i.intent, i.label, i.arc, i.confidence, coalesce(i.corrected, false)
from sessions as s
left join session_intents as i using (session_id)
where $artist is null or s.artist = $artist
order by s.started_at desc, s.session_id
limit coalesce($limit, 1e18::bigint)
