-- Where the times of one artist's generations between two instants came from.
select distinct created_at_source
from generations
where artist = $artist and created_at between $started and $ended
