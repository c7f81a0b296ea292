{#-
    The CTEs `find_sessions` and `find_phases` both open with, so a prompt scores the same in
    both by construction: `query` (the query vector and its length) and `scored_prompts` (every
    session prompt with its cosine to the query). Brute force over the distinct prompt vectors;
    the stored vectors are unit length (the encoder normalizes them), so the cosine is their
    inner product with the query divided by the query's length, once. Call it as the first CTEs
    of a macro whose parameter is `query_embedding`: `with {{ scored_session_prompts() }}, ...`.
-#}
{% macro scored_session_prompts() %}
    query as (

        select
            query_embedding::float[] as vector,
            sqrt(list_inner_product(query_embedding::float[], query_embedding::float[]))
                as length

    ),

    scored as (

        select
            prompt_vectors.prompt_hash,
            list_inner_product(prompt_vectors.embedding, query.vector) / query.length
                as similarity
        from main.prompt_vectors as prompt_vectors, query

    ),

    scored_prompts as (

        select
            session_prompts.session_id,
            session_prompts.artist,
            session_prompts.prompt,
            session_prompts.first_generation_id,
            session_prompts.first_position,
            session_prompts.positions,
            scored.similarity
        from main.session_prompts as session_prompts
        inner join scored using (prompt_hash)

    )
{% endmacro %}
