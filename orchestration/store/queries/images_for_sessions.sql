-- The images of the given sessions that have no image embedding yet.
select distinct content_hash
from intent_signals
where session_id in (select unnest($ids)) and content_hash is not null
    and not has_image_embedding
