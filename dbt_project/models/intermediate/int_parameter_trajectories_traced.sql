-- Per session and generation parameter, the values in the order the artist used them, how
-- often they changed and in which direction. A sweep is a parameter changed at least twice
-- in one direction; sweep_prompt is the prompt it was swept on when every change kept it.
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='session_id',
        post_hook="{{ delete_vanished_sessions() }}",
    )
}}

{#- name: (value as text, value as number for ordered parameters) -#}
{% set parameters = {
    'seed': ('seed::varchar', 'seed::double'),
    'steps': ('steps::varchar', 'steps::double'),
    'cfg_scale': ('cfg_scale::varchar', 'cfg_scale::double'),
    'size': ("width || 'x' || height", 'width::double * height'),
    'sampler': ('sampler', 'null::double'),
    'scheduler': ('scheduler', 'null::double'),
    'model': ('model', 'null::double'),
} %}

with

sessions_to_build as (

    {{ sessions_to_rebuild(min_generations=1) }}

),

members as (

    select members.*, sessions_to_build.session_fingerprint
    from {{ ref('int_generations_sessionized') }} as members
    inner join sessions_to_build using (session_id)

),

-- One window over the generations, each parameter next to its last recorded value (a
-- generation that did not record it is skipped, not counted as a change).
stepped_wide as (

    select
        session_id,
        position,
        prompt,
        session_fingerprint,
        lag(prompt) over session_order as previous_prompt,
        {% for name, (as_text, as_number) in parameters.items() %}
        {{ as_text }} as {{ name }}_text,
        {{ as_number }} as {{ name }}_number,
        lag({{ as_text }} ignore nulls) over session_order as {{ name }}_previous_text,
        {{ as_number }} - lag({{ as_number }} ignore nulls) over session_order as {{ name }}_delta,
        {% endfor %}
    from members
    window session_order as (partition by session_id order by position)

),

stepped as (

    {% for name in parameters %}
    select
        session_id,
        position,
        prompt,
        previous_prompt,
        session_fingerprint,
        '{{ name }}' as parameter,
        {{ name }}_text as value_text,
        {{ name }}_number as value_number,
        {{ name }}_previous_text as previous_value_text,
        {{ name }}_delta as delta
    from stepped_wide
    where {{ name }}_text is not null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

flagged as (

    select
        *,
        coalesce(value_text != previous_value_text, false) as is_change
    from stepped

),

summarized as (

    select
        session_id,
        parameter,
        any_value(session_fingerprint) as session_fingerprint,
        -- The path of values: the first one and every change. list_sort over (position,
        -- value) structs is far cheaper than an ordered aggregate over many small groups.
        list_transform(
            list_sort(list({'p': position, 'v': value_text}) filter (
                where is_change or previous_value_text is null
            )),
            x -> x.v
        ) as swept_values,
        count(*) as n_observations,
        count(*) filter (where is_change) as n_changes,
        count(*) filter (where delta > 0) as n_rises,
        count(*) filter (where delta < 0) as n_falls,
        bool_or(value_number is not null) as is_numeric,
        arg_min(value_text, position) as first_value,
        arg_max(value_text, position) as last_value,
        coalesce(
            bool_and(prompt is not distinct from previous_prompt) filter (where is_change), false
        ) as is_prompt_held,
        min(prompt) filter (where is_change) as first_change_prompt,
        max(prompt) filter (where is_change) as last_change_prompt
    from flagged
    group by session_id, parameter

)

select
    session_id || ':' || parameter as parameter_trajectory_id,
    session_id,
    parameter,
    swept_values,
    list_unique(swept_values) as n_distinct_values,
    n_observations,
    n_changes,
    case
        when n_changes = 0 then 'constant'
        when not is_numeric then 'unordered'
        when n_falls = 0 then 'rising'
        when n_rises = 0 then 'falling'
        else 'alternating'
    end as direction,
    is_numeric and n_changes >= 2 and (n_rises = 0 or n_falls = 0) as is_monotone_sweep,
    first_value,
    last_value,
    is_prompt_held,
    case
        when is_prompt_held and first_change_prompt = last_change_prompt then first_change_prompt
    end as sweep_prompt,
    session_fingerprint
from summarized
