-- The generations an artist marked as keepers (`creative-sessions keep`), undone marks left out.
{% if corrections_have_file('keepers.jsonl') %}

with

source as (

    select * from {{ source('corrections', 'keeper_marks') }}

),

removed as (

    select removes as keeper_id from source where removes is not null

)

select
    keeper_id,
    generation_id,
    author,
    note,
    created_at as marked_at
from source
anti join removed using (keeper_id)
where removes is null

{% else %}

select
    null::varchar as keeper_id,
    null::varchar as generation_id,
    null::varchar as author,
    null::varchar as note,
    null::timestamptz as marked_at
where false

{% endif %}
