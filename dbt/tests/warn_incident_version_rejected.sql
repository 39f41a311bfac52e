-- R6 warning: a rejected incident line that would be the version in force. The loader
-- rejected it (audit.rejected_rows says why), so an earlier version of the incident is
-- in force, or none: an open incident whose resolution was rejected counts as down
-- until T, one whose every version was rejected counts nothing
-- (dbt/macros/rejected_versions.sql).
{{ config(
    severity='warn',
    meta={
        'label': 'Afvist hændelsesversion ville være den gældende',
        'dagster': {'ref': {'name': 'stg_incidents__incident_versions'}},
    },
) }}

{{ rejected_versions_in_force(ref('stg_incidents__incident_versions')) }}
