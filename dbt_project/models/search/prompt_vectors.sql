-- One vector per distinct prompt, of the prompt model in use (int_embedding_models_selected),
-- stored in the warehouse so `find_sessions` scans native storage rather than decoding the
-- lake's Parquet on every query. Its post-hook creates the macro, which also reads
-- session_prompts (so that is built first).
-- depends_on: {{ ref('session_prompts') }}
{{ config(materialized='table', post_hook="{{ find_sessions() }}") }}

with

vectors as (

    select * from {{ ref('stg_lake__prompt_embeddings') }}

),

selected as (

    select model_id
    from {{ ref('int_embedding_models_selected') }}
    where modality = 'prompt'

)

select
    vectors.prompt_hash,
    vectors.model_id,
    vectors.embedding
from vectors
semi join selected using (model_id)
