with

source as (

    select * from {{ source('lake', 'quarantine') }}

)

select
    source_archive,
    source_path,
    reason,
    content_hash,
    size_bytes
from source
