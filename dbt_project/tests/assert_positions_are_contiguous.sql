-- Positions in a session run 1..n without gaps or repeats.
select session_id, count(*) as n, min(position) as first_position, max(position) as last_position,
    count(distinct position) as n_positions
from {{ ref('int_generations_sessionized') }}
group by session_id
having min(position) != 1 or max(position) != count(*) or count(distinct position) != count(*)
