with

trajectories as (

    select * from {{ ref('int_parameter_trajectories_traced') }}

),

sessions as (

    select session_id, artist from {{ ref('int_sessions_aggregated') }}

),

numbered as (

    -- Steps and CFG scale as numbers too; seeds stay text (64-bit seeds exceed a double).
    select
        *,
        parameter in ('steps', 'cfg_scale') as is_numeric
    from trajectories

)

select
    numbered.parameter_trajectory_id,
    numbered.session_id,
    sessions.artist,
    numbered.parameter,
    numbered.swept_values,
    case
        when numbered.is_numeric
            then list_transform(numbered.swept_values, v -> try_cast(v as double))
    end as swept_numbers,
    numbered.n_observations,
    numbered.n_distinct_values,
    numbered.n_changes,
    numbered.direction,
    numbered.is_monotone_sweep,
    numbered.first_value,
    numbered.last_value,
    case when numbered.is_numeric then try_cast(numbered.first_value as double) end
        as first_number,
    case when numbered.is_numeric then try_cast(numbered.last_value as double) end
        as last_number,
    numbered.is_prompt_held,
    numbered.sweep_prompt
from numbered
inner join sessions using (session_id)
