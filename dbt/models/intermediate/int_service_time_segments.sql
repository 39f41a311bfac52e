-- R7: agreed service time cut at every boundary of every condition and of the
-- probe data, so that within a segment nothing changes. Each segment carries
-- the largest impact active in it (the downtime weight), whether a red or a
-- yellow condition is active, and whether probes reported.
with

agreed as (
    select
        service_id,
        month,
        start_at,
        end_at
    from {{ ref('int_agreed_service_time') }}
),

conditions as (
    select
        service_id,
        severity,
        impact,
        start_at,
        end_at
    from {{ ref('int_conditions') }}
),

known as (
    select
        service_id,
        start_at,
        end_at
    from {{ ref('int_probe_known_intervals') }}
),

points as (
    select
        service_id,
        start_at as boundary_at
    from agreed
    union
    select
        service_id,
        end_at
    from agreed
    union
    select
        service_id,
        start_at
    from conditions
    union
    select
        service_id,
        end_at
    from conditions
    union
    select
        service_id,
        start_at
    from known
    union
    select
        service_id,
        end_at
    from known
),

pieces as (
    select
        service_id,
        boundary_at as start_at,
        lead(boundary_at) over (partition by service_id order by boundary_at) as end_at
    from points
),

in_service as (
    select
        pieces.service_id,
        agreed.month,
        pieces.start_at,
        pieces.end_at
    from pieces
    inner join agreed
        on
            pieces.service_id = agreed.service_id
            and pieces.start_at >= agreed.start_at
            and pieces.start_at < agreed.end_at
    where pieces.end_at is not null
),

weighted as (
    select
        in_service.service_id,
        in_service.month,
        in_service.start_at,
        in_service.end_at,
        coalesce(max(conditions.impact), 0) as weight,
        coalesce(bool_or(conditions.severity = 'red'), false) as has_red,
        coalesce(bool_or(conditions.severity = 'yellow'), false) as has_yellow
    from in_service
    left join conditions
        on
            in_service.service_id = conditions.service_id
            and in_service.start_at >= conditions.start_at
            and in_service.start_at < conditions.end_at
    group by
        in_service.service_id,
        in_service.month,
        in_service.start_at,
        in_service.end_at
)

select
    weighted.*,
    (epoch_us(weighted.end_at) - epoch_us(weighted.start_at)) / 1e6 as seconds,
    known.service_id is not null as is_known
from weighted
left join known
    on
        weighted.service_id = known.service_id
        and weighted.start_at >= known.start_at
        and weighted.start_at < known.end_at
