{#- The probe checks the response-time rules read: those of the months being
    built, in the agreed service time (R2, R3: a weekday class's checks are its
    weekday hours', a planned window's checks count nowhere) of each report row
    their service id concerns (R2 classes), in a month with a response-time target
    in force (int_response_targets), each with that month, its UTC hour and the
    month's threshold. A check stands for its minute, as in R4. A check is answered
    unless down (a down check's response time is dropped).

    One hash join per check: the agreed intervals with their month, row, feed id
    and threshold are few, listed under each UTC day they touch; a check meets the
    one holding its minute. (Joining each check to its hour's month, its service's
    rows, the target and then the interval took 3.5 times as long: 4.1 s to 1.2 s
    for a month of 17.8 million checks at 200 services, the first two alone 0.16 s.) -#}
{% macro response_time_checks() -%}
    select
        scope.service_id,
        scope.month,
        checks.hour_index,
        checks.is_answered,
        checks.response_ms,
        scope.threshold_ms
    from (
        select
            service_id,
            status != 'down' as is_answered,
            -- The raw view's type depends on the landed files (INTEGER for Parquet); the
            -- contract's range fits an INTEGER.
            case when status != 'down' then cast(response_ms as integer) end as response_ms,
            {{ idiv(instant_us('checked_at'), 3600000000) }} as hour_index,
            {{ minute_start_of('checked_at') }} as minute_at
        from {{ ref('stg_monitoring__probe_checks') }}
        where {{ instant_in_build_window('checked_at') }}
    ) as checks
    {{ interval_join_by_day('inner', '(' ~ response_time_scope() ~ ') as measured_intervals',
        'scope', 'checks.service_id = scope.feed_service_id', 'checks.minute_at') }}
{%- endmacro %}

{#- The agreed intervals measured against a response-time target: each with its row,
    the feed id it answers to (a class's: its own and its system's), its month and
    the month's threshold. -#}
{% macro response_time_scope() -%}
    select
        services.feed_service_id,
        agreed.service_id,
        agreed.month,
        agreed.start_at,
        agreed.end_at,
        targets.threshold_ms
    from {{ ref('int_agreed_service_time') }} as agreed
    inner join {{ ref('int_response_targets') }} as targets
        on
            agreed.service_id = targets.service_id
            and agreed.month = targets.month
    inner join {{ services_by_feed() }} as services
        on agreed.service_id = services.service_id
{%- endmacro %}
