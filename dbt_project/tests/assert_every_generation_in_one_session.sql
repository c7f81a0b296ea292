{{ config(meta={'dagster': {'ref': {'name': 'sessions'}}}) }}
-- Every generation is in exactly one session, and session counts add up.
with

generations as (select generation_id from {{ ref('generations') }}),
members as (select generation_id, session_id from {{ ref('int_generations_sessionized') }}),
sessions as (select session_id, n_generations from {{ ref('sessions') }}),

missing as (
    select g.generation_id, 'not in any session' as problem
    from generations as g
    anti join members as m using (generation_id)
),

miscounted as (
    select s.session_id as generation_id, 'member count differs from n_generations' as problem
    from sessions as s
    left join (
        select session_id, count(*) as n from members group by session_id
    ) as c using (session_id)
    where coalesce(c.n, 0) != s.n_generations
)

select * from missing
union all
select * from miscounted
