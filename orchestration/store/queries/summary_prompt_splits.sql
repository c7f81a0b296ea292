-- Per artist: sessions that began where the subject changed in a run known only by order.
select artist, count(*) from sessions where is_split_by_prompt group by artist order by artist
