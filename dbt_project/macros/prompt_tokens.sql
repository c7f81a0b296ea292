{#-
    A prompt's distinct lower-case words (letters and digits), and the token Jaccard of two such
    lists: one definition for the pairs' `prompt_jaccard` and for the order-only session split,
    so the threshold measured on one means the same on the other.
-#}
{% macro prompt_tokens(prompt) %}
    list_distinct(list_filter(
        regexp_split_to_array(lower({{ prompt }}), '[^\p{L}\p{N}]+'), t -> t != ''
    ))
{% endmacro %}

{#- NULL when either side is NULL or both are empty. -#}
{% macro token_jaccard(a, b) %}
    case
        when {{ a }} is null or {{ b }} is null then null
        when len(list_distinct(list_concat({{ a }}, {{ b }}))) = 0 then null
        else len(list_intersect({{ a }}, {{ b }}))
            / len(list_distinct(list_concat({{ a }}, {{ b }})))
    end
{% endmacro %}
