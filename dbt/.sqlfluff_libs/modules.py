"""sqlfluff's stand-in for dbt's `modules` (the Python modules dbt lends its Jinja
context; the jinja templater's library, .sqlfluff): those the project's macros use."""

import datetime  # noqa: F401 (the templates' modules.datetime)
