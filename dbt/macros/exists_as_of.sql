{#- R6: which rows of a raw table exist as of T, as SQL, from the one place that says
    it: the table's `meta.exists_as_of` in models/staging/_staging__sources.yml, e.g.
    "checked_at < T" (checks from T on are left out) or "recorded_at <= T" (versions
    after T are). The staging views filter by it, and quality/freshness.py judges a feed
    as of T over the same rows. Read when a build runs (`graph` is empty while parsing,
    and the filter then decides nothing). -#}
{% macro exists_as_of(table_name) -%}
    {%- if not execute -%}
        true
    {%- else -%}
        {%- set node = graph.sources['source.' ~ project_name ~ '.raw.' ~ table_name] -%}
        {%- set words = (node.config.meta.exists_as_of or '').split() -%}
        {%- if words | length != 3 or words[1] not in ('<', '<=') or words[2] != 'T' -%}
            {{ exceptions.raise_compiler_error(
                "raw." ~ table_name ~ ": meta.exists_as_of must read '<column> < T' or "
                ~ "'<column> <= T', not '" ~ (node.config.meta.exists_as_of or '') ~ "'"
            ) }}
        {%- endif -%}
        {{ words[0] }} {{ words[1] }} {{ as_of_ts() }}
    {%- endif -%}
{%- endmacro %}
