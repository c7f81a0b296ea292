-- One row per session. Rebuilt in full on every run on purpose: it is one hash aggregation
-- over key columns, and its session_fingerprint is what tells the session-keyed incremental
-- models downstream which sessions to rebuild.
with

members as (

    select * from {{ ref('int_generations_sessionized') }}

),

selected_models as (

    select * from {{ ref('int_embedding_models_selected') }}

),

image_keys as (

    {{ selected_model_keys('image') }}

),

prompt_keys as (

    {{ selected_model_keys('prompt') }}

),

covered as (

    select
        members.*,
        members.content_hash in (select content_hash from image_keys) as has_image_embedding,
        members.prompt_hash in (select prompt_hash from prompt_keys) as has_prompt_embedding
    from members

)

select
    session_id,
    any_value(artist) as artist,
    min(created_at) as started_at,
    max(created_at) as ended_at,
    count(*) as n_generations,
    count(distinct prompt) as n_distinct_prompts,
    string_agg(distinct tool, ', ' order by tool) as tools,
    bool_or(is_split_by_prompt) as is_split_by_prompt,
    count(*) filter (where has_image_embedding) as n_with_image_embedding,
    count(*) filter (where has_prompt_embedding) as n_with_prompt_embedding,
    -- Changes whenever a member arrives, leaves, moves or gains a vector, or the chosen
    -- embedding models change: the signal for downstream incremental models to rebuild.
    hash(
        count(*),
        bit_xor(hash(
            generation_id, position, created_at, source_archive, source_order,
            coalesce(has_image_embedding, false), coalesce(has_prompt_embedding, false)
        )),
        (select model_id from selected_models where modality = 'image'),
        (select model_id from selected_models where modality = 'prompt')
    ) as session_fingerprint
from covered
group by session_id
