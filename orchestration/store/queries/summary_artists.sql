-- Per artist: sessions, generations and the span of their work, the busiest first.
select artist, count(*) as n_sessions, sum(n_generations) as n_generations,
       min(started_at) as first_at, max(ended_at) as last_at
from sessions
group by artist
order by n_generations desc, artist
