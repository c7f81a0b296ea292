-- Render #$position of the sessions whose id starts with $prefix.
select session_id, artist, generation_id
from intent_signals
where session_id like $prefix || '%' and position = $position
