"""Dagster definitions, one module per concern, loaded by definitions.py:

- partitions.py: the daily and monthly partitions (Copenhagen), run range tags;
- landing.py, quality.py: the raw tables (one asset per source) and their blocking
  checks (every row accounted for, the GX suites);
- declarations.py: reference data derived with maintained libraries: Danish holidays
  (R2), the occurrences of recurring service windows (R3);
- dbt.py: the dbt project as assets, its tests as asset checks;
- freshness.py: each landing feed's newest row against its dbt freshness threshold;
- publish.py, drafts.py, delivery.py: the serving copy, the monthly draft report, its
  e-mail;
- jobs.py, schedules.py, sensors.py, alerts.py: what runs when; the failed-run alert;
- housekeeping.py: pruning the instance's run history;
- resources.py: the resources, configured from the settings by definitions.py.

SCALING.md: how the runs scale past one process (executors, run queue, one writer).
"""
