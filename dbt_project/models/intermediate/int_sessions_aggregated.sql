with

members as (

    select * from {{ ref('int_generations_sessionized') }}

)

select
    session_id,
    any_value(artist) as artist,
    min(created_at) as started_at,
    max(created_at) as ended_at,
    count(*) as n_generations,
    count(distinct prompt) as n_distinct_prompts,
    string_agg(distinct tool, ', ' order by tool) as tools
from members
group by session_id
