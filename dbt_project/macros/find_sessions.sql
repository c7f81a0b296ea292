{#-
    Creates the DuckDB table macro `find_sessions(query_embedding)`: every session with a
    prompt vector, scored by the cosine of its closest prompt to the query vector (a vector of
    the prompt model in `prompt_vectors.model_id`). Brute force over the distinct prompt
    vectors. The stored vectors are unit length (the encoder normalizes them), so the cosine is
    their inner product with the query divided by the query's length, once. `creative-sessions
    find` embeds the text and calls it; from SQL, a stored prompt's vector works as a query:

        select * from find_sessions(
            (select embedding from prompt_vectors limit 1)
        ) order by similarity desc limit 10

    DuckDB binds a macro's tables when it is created: prompt_vectors runs this as its post-hook,
    after session_prompts.
-#}
{% macro find_sessions() %}
    create or replace macro main.find_sessions(query_embedding) as table
    with

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

    matched as (

        select
            session_prompts.session_id,
            session_prompts.artist,
            session_prompts.prompt,
            session_prompts.first_generation_id,
            session_prompts.first_position,
            scored.similarity
        from main.session_prompts as session_prompts
        inner join scored using (prompt_hash)

    )

    select
        session_id,
        any_value(artist) as artist,
        max(similarity) as similarity,
        arg_max(prompt, similarity) as best_prompt,
        arg_max(first_generation_id, similarity) as best_generation_id,
        arg_max(first_position, similarity) as best_position
    from matched
    group by session_id
{% endmacro %}
