-- Every reason a render is a keeper that the lake itself shows (see `session_keepers`, which
-- adds the artist's own marks, read live from the corrections, and ranks them): copied,
-- second_pass and converged, one row per render and reason. A table built with the other
-- models, so the session_keepers view, which every labelling run and journal page reads, is a
-- join of small relations rather than this work over every session.
{% set min_similarity = var('keeper_min_similarity', 0.8) %}
{% set min_prompt_similarity = var('keeper_min_prompt_similarity', 0.95) %}
{% set min_rise = var('keeper_min_rise', 0.1) %}
{% set min_followers = var('keeper_min_followers', 3) %}

with

members as (

    select * from {{ ref('int_generations_sessionized') }}

),

series as (

    select * from {{ ref('int_similarity_series_smoothed') }}

),

copies as (

    select distinct generation_id, source_archive, source_path
    from {{ ref('stg_lake__generation_copies') }}
    where content_hash is not null

),

places as (

    select generation_id, list(source_archive || ':' || source_path order by all) as paths
    from copies
    group by generation_id
    having count(*) > 1

),

copied as (

    select
        members.session_id,
        members.generation_id,
        members.position,
        'copied' as reason,
        2 as priority,
        format(
            'also kept at {}',
            array_to_string(
                list_filter(
                    places.paths, p -> p != members.source_archive || ':' || members.source_path
                ),
                ', '
            )
        ) as evidence
    from places
    inner join members using (generation_id)

),

-- The render whose seed and prompt were rendered again larger later (a hires fix or an
-- upscale): the first such render of a seed and prompt is the one carried forward.
seed_passes as (

    select
        earlier.session_id,
        earlier.generation_id,
        earlier.position,
        'second_pass' as reason,
        3 as priority,
        format(
            'seed {} rendered again at {}×{} (from {}×{}) at #{}',
            earlier.seed, later.width, later.height, earlier.width, earlier.height,
            later.position
        ) as evidence
    from members as earlier
    inner join members as later
        on later.session_id = earlier.session_id
        and later.seed = earlier.seed
        and later.prompt_hash is not distinct from earlier.prompt_hash
        and later.position > earlier.position
        and later.width * later.height > earlier.width * earlier.height
    qualify row_number() over (
        partition by earlier.session_id, earlier.seed, earlier.prompt_hash
        order by earlier.position, later.width * later.height desc, later.position
    ) = 1

),

passes as (

    select members.*, recorded.* exclude (generation_id)
    from members
    inner join {{ ref('int_generation_passes_recorded') }} as recorded using (generation_id)

),

-- A hires fix, upscale or img2img whose seed and prompt match an earlier plain render of the
-- session: the earlier render's seed was carried into the second pass, so it is the keeper.
metadata_passes as (

    select
        earlier.session_id,
        earlier.generation_id,
        earlier.position,
        'second_pass' as reason,
        3 as priority,
        format(
            'seed {} carried into {} at #{} ({})',
            earlier.seed,
            case when later.is_upscaled then 'a hires/upscale pass' else 'an img2img pass' end,
            later.position,
            array_to_string(list_filter([
                case when later.upscale_factor is not null
                    then '×' || round(later.upscale_factor, 2) end,
                later.upscaler,
                case when later.denoising_strength is not null
                    then 'denoising ' || round(later.denoising_strength, 2) end
            ], x -> x is not null), ', ')
        ) as evidence
    from passes as later
    inner join members as earlier
        on earlier.session_id = later.session_id
        and earlier.seed = later.seed
        and earlier.prompt_hash is not distinct from later.prompt_hash
        and earlier.position < later.position
        and (later.is_upscaled or later.is_img2img)
    anti join passes as earlier_pass
        on earlier_pass.generation_id = earlier.generation_id
    qualify row_number() over (
        partition by earlier.session_id, earlier.seed, earlier.prompt_hash
        order by earlier.position, later.position
    ) = 1

),

-- An img2img whose init image is a render of the session (matched by file name).
init_passes as (

    select
        source.session_id,
        source.generation_id,
        source.position,
        'second_pass' as reason,
        3 as priority,
        format(
            'used as the init image of #{}{}',
            later.position,
            coalesce(' (denoising ' || round(later.denoising_strength, 2) || ')', '')
        ) as evidence
    from passes as later
    inner join members as source
        on source.session_id = later.session_id
        and source.position < later.position
        and lower(regexp_extract(source.source_path, '[^/!]+$'))
            = lower(regexp_extract(regexp_replace(later.init_image, '[?#].*$', ''), '[^/\\]+$'))
    where later.init_image is not null
    qualify row_number() over (
        partition by later.generation_id order by source.position desc
    ) = 1

),

path_passes as (

    select
        session_id,
        generation_id,
        position,
        'second_pass' as reason,
        3 as priority,
        'saved by a second pass (' || source_path || ')' as evidence
    from members
    where regexp_matches(source_path, '(^|/)(img2img|extras|inpaint|upscal|hires)[^/]*/', 'i')
        or regexp_matches(source_path, '[_ -](upscaled?|hires|hr)[_ .-]', 'i')

),

jobs as (

    select
        session_id,
        job_id,
        prompt_hash,
        count(*) as n_images,
        min(position) as first_position,
        arg_min(generation_id, position) as generation_id
    from members
    where tool = 'midjourney' and job_id is not null
    group by session_id, job_id, prompt_hash

),

upscaled_jobs as (

    select
        single.session_id,
        single.generation_id,
        single.first_position as position,
        'second_pass' as reason,
        3 as priority,
        format(
            'single image of the grid at #{} (job {}): a Midjourney upscale',
            grid.first_position, left(grid.job_id, 8)
        ) as evidence
    from jobs as single
    inner join jobs as grid
        on grid.session_id = single.session_id
        and grid.prompt_hash = single.prompt_hash
        and grid.first_position < single.first_position
        and grid.n_images > 1
    where single.n_images = 1
    qualify row_number() over (
        partition by single.generation_id order by grid.first_position desc
    ) = 1

),

signal as (

    select
        session_id,
        generation_id,
        position,
        bool_or(image_similarity is not null) over (partition by session_id) as has_images,
        case when has_images then image_similarity else prompt_similarity end as similarity
    from series

),

rising as (

    select
        *,
        coalesce(similarity > lag(similarity) over by_position, false) as is_rising
    from signal
    window by_position as (partition by session_id order by position)

),

runs as (

    select
        *,
        sum(case when is_rising then 0 else 1 end) over (
            partition by session_id order by position
        ) as run_no
    from rising

),

converged as (

    select
        session_id,
        arg_max(generation_id, position) as generation_id,
        max(position) as position,
        'converged' as reason,
        4 as priority,
        format(
            '{} similarity to the previous render rose {}→{} over #{}–#{}',
            case when any_value(has_images) then 'image' else 'prompt' end,
            round(arg_min(similarity, position), 2),
            round(arg_max(similarity, position), 2),
            min(position) - 1,
            max(position)
        ) as evidence
    from runs
    where similarity is not null
    group by session_id, run_no
    having count(*) filter (where is_rising) >= 2
        and arg_max(similarity, position) >= case
            when any_value(has_images) then {{ min_similarity }}
            else {{ min_prompt_similarity }}
        end
        and arg_max(similarity, position) - arg_min(similarity, position) >= {{ min_rise }}

),

-- The render later renders stay closest to: at least `keeper_min_followers` renders, and at
-- least half of those up to the last of them, have it as their nearest earlier render, at the
-- similarity a converged run must reach.
anchored as (

    select
        session_id,
        generation_id,
        position,
        'converged' as reason,
        4 as priority,
        format(
            '{} of the {} renders after it (#{}–#{}) stay closest to it, mean {} similarity {}',
            n_closest,
            last_follower_position - position,
            position + 1,
            last_follower_position,
            similarity_kind,
            round(mean_similarity, 2)
        ) as evidence
    from {{ ref('int_session_anchors_found') }}
    where generation_id is not null
        and n_closest >= {{ min_followers }}
        and n_closest * 2 >= last_follower_position - position
        and mean_similarity >= case
            when similarity_kind = 'image' then {{ min_similarity }}
            else {{ min_prompt_similarity }}
        end

),

reasons as (

    select * from copied
    union all
    select * from seed_passes
    union all
    select * from metadata_passes
    union all
    select * from init_passes
    union all
    select * from path_passes
    union all
    select * from upscaled_jobs
    union all
    select * from converged
    union all
    select * from anchored

),

deduplicated as (

    select *
    from reasons
    qualify row_number() over (
        partition by session_id, generation_id, reason order by evidence
    ) = 1

)

select session_id, generation_id, position, reason, priority, evidence
from deduplicated
