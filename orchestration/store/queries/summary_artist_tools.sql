-- The generators one artist used, comma-separated.
select string_agg(distinct tool, ', ' order by tool) from generations where artist = $artist
