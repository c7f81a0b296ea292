-- The renders an artist kept, from evidence of choice the archives already hold. One row per
-- keeper and reason (a render kept for two reasons has two rows, one rank):
--   marked       the artist named it (`creative-sessions keep`)
--   copied       the same image (content hash) sits in a second archive or folder
--   second_pass  carried into another pass: the first render of a seed and prompt that were
--                rendered again larger (hires fix, upscale); the first plain render of a seed
--                and prompt that a later render's metadata shows carried into a hires fix,
--                upscale or img2img; a render named as a later img2img's init image; an image
--                saved by an img2img/extras/inpaint/upscale pass (folder or file name); a
--                Midjourney single-image job after a grid of the same prompt (U button)
--   converged    the last render of a run where similarity to the previous render rose at
--                least twice in a row, by `keeper_min_rise` or more in all, ending at
--                `keeper_min_similarity` or more (image similarity where the session has
--                images; else prompt similarity, which must end at
--                `keeper_min_prompt_similarity`: the wording settled, not merely drifted);
--                or the render later renders stay closest to (int_session_anchors_found: at
--                least `keeper_min_followers` later renders, and half of those up to the last
--                of them, have it as their nearest earlier render, at that similarity)
-- A session with no row here has no evidence of choice in its data; nothing is guessed.
-- Second passes show through sizes, paths and jobs, and through the metadata's own account of
-- them (int_generation_passes_recorded: A1111 hires upscale/upscaler/denoising strength, ComfyUI
-- upscale and latent-upscale nodes, an img2img's init image).
-- What the lake shows is built with the other models (int_session_keepers_evidenced); the
-- artist's marks are read here, live, so `keep` needs no rebuild.
with

members as (

    select * from {{ ref('int_generations_sessionized') }}

),

marks as (

    select * from {{ ref('stg_corrections__keeper_marks') }}

),

marked as (

    select
        members.session_id,
        members.generation_id,
        members.position,
        'marked' as reason,
        1 as priority,
        format(
            'marked by {} on {}{}',
            marks.author,
            strftime(marks.marked_at, '%Y-%m-%d'),
            coalesce(': ' || marks.note, '')
        ) as evidence
    from marks
    inner join members using (generation_id)
    qualify row_number() over (partition by marks.generation_id order by marks.marked_at) = 1

),

reasons as (

    select * from marked
    union all
    select session_id, generation_id, position, reason, priority, evidence
    from {{ ref('int_session_keepers_evidenced') }}

),

ranked as (

    select
        *,
        min(priority) over (partition by session_id, generation_id) as best_priority
    from reasons

)

select
    session_id,
    generation_id,
    reason,
    evidence,
    dense_rank() over (
        partition by session_id order by best_priority, position desc, generation_id
    ) as rank
from ranked
