with

sessions as (

    select * from {{ ref('int_sessions_aggregated') }}

)

select
    session_id,
    artist,
    started_at,
    ended_at,
    n_generations,
    ended_at - started_at as duration,
    n_distinct_prompts,
    tools,
    is_split_by_prompt
from sessions
