-- R7: agreed service time cut at every boundary of the agreed intervals, the
-- probe runs and the incidents, so that nothing changes within a segment. Each
-- segment carries the downtime weight (the largest impact of the conditions
-- active in it, 0 if none), whether a red / yellow condition is active,
-- whether probes reported (R4 coverage) and the condition that sets the weight
-- (for explanations).
--
-- Scale: agreed intervals, probe runs and probe conditions of a service are
-- each disjoint, so the segment's interval of each is found with an asof join
-- (linear). Only incidents can overlap; they are few and joined per month.
with

agreed as (
    select
        service_id,
        month,
        start_at,
        end_at
    from {{ ref('int_agreed_service_time') }}
),

-- Every probe run, up ones included, for R4's coverage: int_conditions keeps only
-- the down and degraded runs (with their R5 weight), so reading both is two
-- concepts of one upstream model, not a rejoin of the same one.
probe_runs as (
    select
        service_id,
        start_at,
        end_at
    from {{ ref('int_probe_status_intervals') }}
),

conditions as (
    select
        service_id,
        condition_id,
        condition_source,
        incident_id,
        severity,
        impact,
        start_at,
        end_at
    from {{ ref('int_conditions') }}
),

probe_conditions as (
    select * from conditions
    where condition_source = 'probe'
),

incident_conditions as (
    select * from conditions
    where condition_source = 'incident'
),

pieces as (
    {{ pieces_between_boundaries(['agreed', 'probe_runs', 'incident_conditions']) }}
),

-- The pieces inside agreed service time, with their month.
in_service as (
    select
        pieces.service_id,
        agreed.month,
        pieces.start_at,
        pieces.end_at
    from pieces
    {{ interval_join('inner', 'agreed', 'agreed',
        'pieces.service_id = agreed.service_id', 'pieces.start_at') }}
    where pieces.end_at is not null and pieces.start_at < agreed.end_at
),

-- R4: a piece no probe run covers is unknown: no downtime, less coverage.
with_coverage as (
    select
        in_service.*,
        coalesce(probe_runs.end_at > in_service.start_at, false) as is_known
    from in_service
    {{ interval_join('left', 'probe_runs', 'probe_runs',
        'in_service.service_id = probe_runs.service_id', 'in_service.start_at') }}
),

probe_matches as (
    select
        in_service.service_id,
        in_service.start_at,
        probe_conditions.condition_id,
        probe_conditions.condition_source,
        probe_conditions.incident_id,
        probe_conditions.severity,
        probe_conditions.impact,
        probe_conditions.start_at as condition_start_at
    from in_service
    {{ interval_join('inner', 'probe_conditions', 'probe_conditions',
        'in_service.service_id = probe_conditions.service_id', 'in_service.start_at') }}
    where probe_conditions.end_at > in_service.start_at
),

-- Incidents cut into months, so that pieces are matched month by month.
incident_months as (
    select
        incident_conditions.*,
        months.month
    from incident_conditions
    inner join {{ ref('int_report_months') }} as months
        on
            incident_conditions.start_at < months.month_end_at
            and incident_conditions.end_at > months.month_start_at
),

incident_matches as (
    select
        in_service.service_id,
        in_service.start_at,
        incident_months.condition_id,
        incident_months.condition_source,
        incident_months.incident_id,
        incident_months.severity,
        incident_months.impact,
        incident_months.start_at as condition_start_at
    from in_service
    inner join incident_months
        on
            in_service.service_id = incident_months.service_id
            and in_service.month = incident_months.month
            and in_service.start_at >= incident_months.start_at
            and in_service.start_at < incident_months.end_at
),

matches as (
    select * from probe_matches
    union all
    select * from incident_matches
),

-- R7: the weight is the largest impact; overlapping conditions never add up.
-- The winner (for explanations) is the condition setting it: red before
-- yellow, incidents (they have an id and a text) before probes, then the
-- earliest.
ranked as (
    select
        service_id,
        start_at,
        max(impact) over piece as weight,
        bool_or(severity = 'red') over piece as has_red,
        bool_or(severity = 'yellow') over piece as has_yellow,
        condition_id as winning_condition_id,
        condition_source as winning_condition_source,
        incident_id as winning_incident_id,
        severity as winning_severity,
        row_number() over (
            partition by service_id, start_at
            order by
                impact desc,
                severity = 'red' desc,
                condition_source = 'incident' desc,
                condition_start_at asc,
                condition_id asc
        ) as rank_in_piece
    from matches
    window piece as (partition by service_id, start_at)
),

weighed as (
    select
        service_id,
        start_at,
        weight,
        has_red,
        has_yellow,
        winning_condition_id,
        winning_condition_source,
        winning_incident_id,
        winning_severity
    from ranked
    where rank_in_piece = 1
)

select
    with_coverage.service_id,
    with_coverage.month,
    with_coverage.start_at,
    with_coverage.end_at,
    {{ seconds_between('with_coverage.start_at', 'with_coverage.end_at') }} as seconds,
    coalesce(weighed.weight, 0) as weight,
    coalesce(weighed.has_red, false) as has_red,
    coalesce(weighed.has_yellow, false) as has_yellow,
    with_coverage.is_known,
    weighed.winning_condition_id,
    weighed.winning_condition_source,
    weighed.winning_incident_id,
    weighed.winning_severity
from with_coverage
left join weighed
    on
        with_coverage.service_id = weighed.service_id
        and with_coverage.start_at = weighed.start_at
