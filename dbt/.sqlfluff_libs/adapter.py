"""sqlfluff's stand-in for dbt's `adapter` (the jinja templater's library, .sqlfluff):
`adapter.dispatch('m')` is the project's `default__m`, the SQL DuckDB runs, which is
what `sqlfluff lint dbt` checks."""

from jinja2 import pass_context


@pass_context
def dispatch(context, macro_name: str, macro_namespace: str | None = None):
    return context.resolve(f"default__{macro_name}")


def get_relation(database: str, schema: str, identifier: str) -> str:
    """Every relation exists: the SQL that reads it is linted."""
    return f"{schema}.{identifier}"
