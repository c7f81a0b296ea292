-- Per archive: how many images had only file times, and what their times came from.
select
    source_archive,
    count(*) as n,
    count(*) filter (where created_at_source in ('file mtime', 'archive entry time')) as kept,
    count(*) filter (where created_at_source = 'date folder order') as by_day,
    count(*) filter (where created_at_source = 'file order') as by_order
from generations
group by source_archive
having kept + by_day + by_order > 0
order by source_archive
