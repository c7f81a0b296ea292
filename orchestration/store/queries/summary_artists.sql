-- The busiest artists first (sessions, generations), at most $limit of them, each row with the
-- totals over every artist: a history of many artists prints a few and counts the rest.
with per_artist as (
    select artist, count(*) as n_sessions, sum(n_generations) as n_generations
    from sessions
    group by artist
)
select artist, n_sessions, n_generations,
       count(*) over () as n_artists,
       sum(n_sessions) over () as all_sessions,
       sum(n_generations) over () as all_generations
from per_artist
order by n_generations desc, artist
limit $limit
