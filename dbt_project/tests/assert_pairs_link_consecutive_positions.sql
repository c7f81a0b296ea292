{{ config(meta={'dagster': {'ref': {'name': 'generation_pairs'}}}) }}
-- Every pair links a generation to the one just before it in the same session, and every
-- session of n generations has n − 1 pairs and n − 1 points in its similarity series.
with

members as (select generation_id, session_id, position from {{ ref('int_generations_sessionized') }}),
pairs as (select * from {{ ref('generation_pairs') }}),
series as (select * from {{ ref('similarity_series') }}),
sessions as (select session_id, n_generations from {{ ref('sessions') }}),

mislinked as (
    select pairs.generation_id, 'predecessor is not position − 1 of the session' as problem
    from pairs
    left join members as previous
        on previous.generation_id = pairs.previous_generation_id
        and previous.session_id = pairs.session_id
        and previous.position = pairs.position - 1
    where previous.generation_id is null
),

miscounted as (
    select sessions.session_id as generation_id, 'pairs or series points != n_generations − 1'
    from sessions
    left join (select session_id, count(*) as n from pairs group by session_id) as p
        using (session_id)
    left join (select session_id, count(*) as n from series group by session_id) as s
        using (session_id)
    where coalesce(p.n, 0) != sessions.n_generations - 1
        or coalesce(s.n, 0) != sessions.n_generations - 1
)

select * from mislinked
union all
select * from miscounted
