with

trajectories as (

    select * from {{ ref('int_parameter_trajectories_traced') }}

)

select
    parameter_trajectory_id,
    session_id,
    parameter,
    swept_values,
    n_observations,
    n_distinct_values,
    n_changes,
    direction,
    is_monotone_sweep,
    first_value,
    last_value,
    is_prompt_held,
    sweep_prompt
from trajectories
