{#- The probe checks the response-time rules read: those of the months being
    built, of the service-months with a response-time target in force
    (int_response_targets), in the row's agreed service time (R2, R3: a
    weekday class's checks are its weekday hours', a planned window's checks
    count nowhere), each with its month, its UTC hour and the month's
    threshold. A check stands for its minute, as in R4. A check is answered
    unless down (a down check's response time is dropped). The month is found
    by the hour index (int_report_hours): integer maths, where calendar
    functions on a TIMESTAMPTZ are far slower. -#}
{% macro response_time_checks() -%}
    select
        services.service_id,
        hours.month,
        checks.hour_index,
        checks.is_answered,
        checks.response_ms,
        targets.threshold_ms
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
    inner join {{ ref('int_report_hours') }} as hours
        on checks.hour_index = hours.hour_index
    -- The checks of a service id measure every report row measured as it (R2 classes).
    inner join {{ services_by_feed() }} as services
        on checks.service_id = services.feed_service_id
    inner join {{ ref('int_response_targets') }} as targets
        on
            services.service_id = targets.service_id
            and hours.month = targets.month
    -- Agreed intervals of a row are disjoint: the one starting last at or before the
    -- minute holds it if the minute is before its end.
    {{ interval_join('inner', ref('int_agreed_service_time'), 'agreed',
        'services.service_id = agreed.service_id', 'checks.minute_at') }}
    where checks.minute_at < agreed.end_at
{%- endmacro %}
