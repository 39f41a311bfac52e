-- R3: the occurrences of recurring service windows as windows. A declaration
-- governs its occurrences until the next declaration of the same series is
-- announced, and a later one only from its own announcement: changing a rule
-- never re-plans (or removes) an occurrence before the change. The first
-- declaration's occurrences before its announcement stay, as late windows.
-- Each occurrence is a window of its own, named by its series and local start.
with

occurrences as (
    select
        window_id,
        service_id,
        announced_at,
        starts_at,
        ends_at,
        description
    from {{ ref('stg_reference__recurring_window_occurrences') }}
),

declarations as (
    select distinct
        window_id,
        service_id,
        announced_at
    from occurrences
),

governed as (
    select
        window_id,
        service_id,
        announced_at,
        lag(announced_at) over series is not null as is_change,
        lead(announced_at) over series as superseded_at
    from declarations
    window series as (partition by window_id, service_id order by announced_at)
)

select
    occurrences.window_id || ' '
    || {{ local_minute_text('occurrences.starts_at') }}
        as window_id,
    occurrences.service_id,
    occurrences.starts_at,
    occurrences.ends_at,
    occurrences.announced_at,
    occurrences.description
from occurrences
inner join governed
    on
        occurrences.window_id = governed.window_id
        and occurrences.service_id = governed.service_id
        and occurrences.announced_at = governed.announced_at
where
    (not governed.is_change or occurrences.starts_at >= governed.announced_at)
    and (governed.superseded_at is null or occurrences.starts_at < governed.superseded_at)
