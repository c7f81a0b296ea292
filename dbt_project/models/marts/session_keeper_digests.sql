-- One digest per session with keepers: its keeper renders and their reasons. A change to them
-- relabels the session, so intent_signals and the labelling plan add it to the session's
-- fingerprint. A view: the artist's marks in session_keepers are read live.
with

keepers as (

    select session_id, generation_id, string_agg(reason, ',' order by reason) as keeper_reasons
    from {{ ref('session_keepers') }}
    group by session_id, generation_id

)

select
    session_id,
    md5(string_agg(generation_id || ':' || keeper_reasons, ';' order by generation_id))
        as keeper_digest
from keepers
group by session_id
