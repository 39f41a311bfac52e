"""dbt's methods replaced by the project's (infra/dbt_main.py, infra/critical_path.py,
infra/dbt_events.py): once per process, dbt's own kept for the replacements to call."""

from __future__ import annotations

from collections.abc import Callable


def replace_methods(
    originals: dict[str, Callable], replacements: dict[tuple[type, str], Callable]
) -> None:
    """Set each (class, method name) to its replacement, keeping dbt's method in
    `originals` under its name; once `originals` holds them, a call changes nothing."""
    if originals:
        return
    for (owner, name), replacement in replacements.items():
        originals[name] = getattr(owner, name)
        setattr(owner, name, replacement)
