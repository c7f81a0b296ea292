{#-
    Creates the DuckDB table macro `find_sessions(query_embedding)`: every session with a
    prompt vector, scored by the cosine of its closest prompt to the query vector (a vector of
    the prompt model in `prompt_vectors.model_id`; scoring in `scored_session_prompts`, shared
    with `find_phases`). `creative-sessions find` embeds the text and calls it; from SQL, a
    stored prompt's vector works as a query:

        select * from find_sessions(
            (select embedding from prompt_vectors limit 1)
        ) order by similarity desc limit 10

    DuckDB binds a macro's tables when it is created: prompt_vectors runs this as its post-hook,
    after session_prompts.
-#}
{% macro find_sessions() %}
    create or replace macro main.find_sessions(query_embedding) as table
    with

    {{ scored_session_prompts() }}

    select
        session_id,
        any_value(artist) as artist,
        max(similarity) as similarity,
        arg_max(prompt, similarity) as best_prompt,
        arg_max(first_generation_id, similarity) as best_generation_id,
        arg_max(first_position, similarity) as best_position
    from scored_prompts
    group by session_id
{% endmacro %}
