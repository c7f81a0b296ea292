with

sessionized as (

    select * from {{ ref('int_generations_sessionized') }}

)

select
    generation_id,
    session_id,
    position
from sessionized
