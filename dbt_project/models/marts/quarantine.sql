with

quarantine as (

    select * from {{ ref('stg_lake__quarantine') }}

)

select * from quarantine
