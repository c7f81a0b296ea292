{#-
    Creates the DuckDB table macro `find_phases(query_embedding)`: every labelled phase with a
    prompt vector, scored like `find_sessions` by the cosine of its closest prompt to the query
    vector, so a phase is a result of its own (`creative-sessions find --phases`). A prompt
    counts for a phase when the session used it at a position inside the phase
    (session_prompts.positions). From SQL:

        select session_id, phase_no, label, similarity, best_prompt
        from find_phases((select embedding from prompt_vectors limit 1))
        order by similarity desc limit 10

    DuckDB binds a macro's tables when it is created, so session_phases runs this as its
    post-hook (the search tables are built before the intent views).
-#}
{% macro find_phases() %}
    {%- set needs = ['prompt_vectors', 'session_prompts'] -%}
    {%- set missing = [] -%}
    {%- for name in needs -%}
        {%- if execute and adapter.get_relation(this.database, this.schema, name) is none -%}
            {%- do missing.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if missing %}
    -- the search tables are not built (their group was left out): no find_phases yet
    select 1
    {%- else %}
    create or replace macro main.find_phases(query_embedding) as table
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
            session_prompts.prompt,
            session_prompts.positions,
            scored.similarity
        from main.session_prompts as session_prompts
        inner join scored using (prompt_hash)

    ),

    in_phase as (

        select
            phases.session_id,
            phases.phase_no,
            phases.artist,
            phases.intent,
            phases.label,
            phases.first_position,
            phases.last_position,
            matched.prompt,
            matched.similarity,
            list_filter(
                matched.positions,
                p -> p between phases.first_position and phases.last_position
            )[1] as position
        from main.session_phases as phases
        inner join matched on matched.session_id = phases.session_id

    )

    select
        session_id,
        phase_no,
        any_value(artist) as artist,
        any_value(intent) as intent,
        any_value(label) as label,
        any_value(first_position) as first_position,
        any_value(last_position) as last_position,
        max(similarity) as similarity,
        arg_max(prompt, similarity) as best_prompt,
        arg_max(position, similarity) as best_position
    from in_phase
    where position is not null
    group by session_id, phase_no
    {%- endif %}
{% endmacro %}
