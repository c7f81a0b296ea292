{#-
    Creates the DuckDB table macro `find_phases(query_embedding, ...)`: every labelled phase
    with a prompt vector, scored like `find_sessions` (the same `scored_session_prompts`) by the
    cosine of its closest prompt to the query vector, so a phase is a result of its own
    (`creative-sessions find --phases`). A prompt counts for a phase when the session used it at
    a position inside the phase (session_prompts.positions). Optional named parameters:
    `only_artist`, `only_intent` and `ended_since` keep the phases of that artist, of that
    intent, that ended at or after that time; `top_n` asks only for the best `top_n` phases
    (more may come back, each with its exact score).

    Why `top_n`: placing every session prompt in every phase of its session costs more than
    scoring the prompts (1M generations: 558,640 prompts, 1.7M prompt-phase pairs). With it,
    only the `top_n` × 8 best prompts (and their ties) are placed; every phase scoring at least
    the lowest of them is then found with its exact score, and any other phase scores less. When
    those prompts fall in fewer than `top_n` phases the filters keep, every prompt is placed, as
    without `top_n`. From SQL:

        select session_id, phase_no, label, similarity, best_prompt
        from find_phases((select embedding from prompt_vectors limit 1), top_n := 10)
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
    create or replace macro main.find_phases(
        query_embedding, only_artist := null, only_intent := null, ended_since := null,
        top_n := null
    ) as table
    with

    {{ scored_session_prompts() }},

    eligible as (

        select session_id, phase_no, artist, intent, label, first_position, last_position
        from main.session_phases
        where (only_artist is null or artist = only_artist)
            and (only_intent is null or intent = only_intent)
            and (ended_since is null or ended_at >= ended_since)

    ),

    candidates as materialized (

        select scored_prompts.session_id, prompt, positions, similarity
        from scored_prompts
        semi join eligible using (session_id)

    ),

    cut as (

        select similarity
        from candidates
        order by similarity desc
        limit coalesce(top_n * 8, 0)

    ),

    cut_prompts as (

        select * from candidates where similarity >= (select min(similarity) from cut)

    ),

    cut_placed as ({{ find_phases_placed('cut_prompts') }}),

    threshold as (

        -- null (place every prompt) without top_n or when the cut holds too few phases
        select case
            when (select count(distinct (session_id, phase_no)) from cut_placed) >= top_n
                then (select min(similarity) from cut)
        end as similarity

    ),

    chosen as (

        select candidates.*
        from candidates, threshold
        where threshold.similarity is null or candidates.similarity >= threshold.similarity

    ),

    placed as ({{ find_phases_placed('chosen') }})

    select
        session_id,
        phase_no,
        any_value(artist) as artist,
        any_value(intent) as intent,
        any_value(label) as label,
        any_value(first_position) as first_position,
        any_value(last_position) as last_position,
        max(similarity) as similarity,
        -- prompts that score the same: the one used first in the phase, whatever the join order
        arg_max(prompt, (similarity, -position)) as best_prompt,
        arg_max(position, (similarity, -position)) as best_position
    from placed
    group by session_id, phase_no
    {%- endif %}
{% endmacro %}

{#- The `prompts` CTE's rows in each eligible phase they were used in, at their first position
    there; a prompt used in no eligible phase gives no row. -#}
{% macro find_phases_placed(prompts) %}
        select
            eligible.session_id,
            eligible.phase_no,
            eligible.artist,
            eligible.intent,
            eligible.label,
            eligible.first_position,
            eligible.last_position,
            {{ prompts }}.prompt,
            {{ prompts }}.similarity,
            list_filter(
                {{ prompts }}.positions,
                p -> p between eligible.first_position and eligible.last_position
            )[1] as position
        from eligible
        inner join {{ prompts }} on {{ prompts }}.session_id = eligible.session_id
        where position is not null
{% endmacro %}
