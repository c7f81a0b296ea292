-- Every copy of every generation as the lake holds it, before stg_lake__generations keeps one:
-- the same image in a second archive (or folder) is a copy the artist chose to keep.
with

source as (

    select * from {{ source('lake', 'generations') }}

)

select
    generation_id,
    content_hash,
    source_archive,
    source_path
from source
