{{ config(meta={'dagster': {'ref': {'name': 'session_phases'}}}) }}
-- Phases of a labelled session are numbered 1..k, tile its positions 1..n without gaps or
-- overlaps, and every member's phase_no points at the phase holding its position.
with

phases as (select * from {{ ref('session_phases') }}),
members as (select * from {{ ref('session_members') }}),
labelled as (select session_id, n_generations from {{ ref('session_intents') }}),

numbering as (
    select session_id, 'phase numbers are not 1..k or repeat' as problem
    from phases
    group by session_id
    having count(*) != count(distinct phase_no) or min(phase_no) != 1 or max(phase_no) != count(*)
),

tiling as (
    select p.session_id, 'phases do not tile the session positions' as problem
    from phases as p
    left join phases as next
        on next.session_id = p.session_id and next.phase_no = p.phase_no + 1
    inner join labelled as l on l.session_id = p.session_id
    where (p.phase_no = 1 and p.first_position != 1)
        or (next.phase_no is null and p.last_position != l.n_generations)
        or (next.phase_no is not null and next.first_position != p.last_position + 1)
),

membership as (
    select m.session_id, 'member phase_no disagrees with phase positions' as problem
    from members as m
    inner join labelled using (session_id)
    left join phases as p
        on p.session_id = m.session_id
        and m.position between p.first_position and p.last_position
    where p.phase_no is distinct from m.phase_no
)

select * from numbering
union all
select * from tiling
union all
select * from membership
