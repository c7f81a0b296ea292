-- Every artist with at least one session, by name.
select distinct artist from sessions order by 1
