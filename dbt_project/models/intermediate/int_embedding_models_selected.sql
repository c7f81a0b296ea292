-- The one embedding model per modality that similarities use: two models never meet in one
-- cosine. `image_model_id` / `prompt_model_id` pin it; otherwise the model with the most
-- vectors wins (ties by model_id), so a partly embedded second model does not take over.
-- Counts stored vectors (a key embedded twice counts twice): only model_id is read.
{% set pinned = {'image': var('image_model_id', none), 'prompt': var('prompt_model_id', none)} %}

with

image_embeddings as (

    select model_id from {{ ref('stg_lake__image_embedding_rows') }}

),

prompt_embeddings as (

    select model_id from {{ ref('stg_lake__prompt_embedding_rows') }}

),

counted as (

    select 'image' as modality, model_id, count(*) as n_vectors
    from image_embeddings
    group by model_id
    union all
    select 'prompt' as modality, model_id, count(*) as n_vectors
    from prompt_embeddings
    group by model_id

),

eligible as (

    select *
    from counted
    where true
    {%- for modality, model_id in pinned.items() if model_id %}
        and (modality != '{{ modality }}' or model_id = '{{ model_id }}')
    {%- endfor %}

)

select
    modality,
    model_id,
    n_vectors
from eligible
qualify row_number() over (partition by modality order by n_vectors desc, model_id) = 1
