"""Penalties (bod) in the report: the report month's and the year's earlier months' penalties
per service with contract terms, as `fct_monthly_penalties` computed them (steps, share, cap,
amount in øre). Only selects and words; nothing here rounds or computes a penalty. Changed
amounts against earlier publications are marked by R14's rule (restatement.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

from dagster_project.catalog import has_table
from dagster_project.report import danish
from dagster_project.report.restatement import Previous

PENALTY_HEADING = "Bod"
NOT_AVAILABLE = "n/a"
# Column headings of the penalty table, as the app and the XLSX sheet print them.
PENALTY_COLUMNS = (
    "Måned", "Driftsområde", "SLA-Mål", "Tilgængelighed", "Manko", "Trinstørrelse", "Trin",
    "Andel pr. trin", "Loft", "Månedligt vederlag", "Bod (%)", "Bod",
)  # fmt: skip
# What a service-month without a verdict (n/a) shows instead of an amount.
NO_VERDICT = "ingen afgørelse"


@dataclass(frozen=True)
class PenaltyRow:
    """One service-month with contract terms: the figures behind its penalty."""

    service_id: str
    label: str
    month: date
    target_pct: Decimal | None
    availability_display: str  # R9's displayed availability, '99,82%' or 'n/a'
    sla_met: bool | None
    shortfall_pct: Decimal | None  # 0 when met, None without a verdict
    step_pct: Decimal
    steps: int | None
    share_per_step_pct: Decimal
    cap_pct: Decimal
    penalty_pct: Decimal | None
    monthly_fee: Decimal
    amount: Decimal | None  # DKK to øre; 0 when met, None without a verdict
    month_to_date: bool
    previous: Previous | None = None  # set when an earlier publication showed another amount

    @property
    def restated(self) -> bool:
        return self.previous is not None

    @property
    def amount_display(self) -> str:
        """'1.500,00 kr.', '0,00 kr.' when met, 'ingen afgørelse' without a verdict."""
        return NO_VERDICT if self.amount is None else kroner(self.amount)

    @property
    def texts(self) -> tuple[str, ...]:
        """The row as printed, one text per column of PENALTY_COLUMNS."""

        def maybe(value, show) -> str:
            return NOT_AVAILABLE if value is None else show(value)

        month = danish.month_label(self.month) + (" (foreløbig)" if self.month_to_date else "")
        return (
            month, self.label, maybe(self.target_pct, danish.pct), self.availability_display,
            maybe(self.shortfall_pct, points), points(self.step_pct), maybe(self.steps, str),
            danish.pct(self.share_per_step_pct), danish.pct(self.cap_pct),
            kroner(self.monthly_fee), maybe(self.penalty_pct, danish.pct),
            self.amount_display + ("*" if self.restated else ""),
        )  # fmt: skip


@dataclass(frozen=True)
class PenaltyTable:
    """The penalties of the report month and the year's months before it."""

    heading: str  # 'Bod', an en dash, 'januar 2024'
    rows: tuple[PenaltyRow, ...]  # by month, then report order
    note: str | None = None  # R14: which months' amounts changed since published
    columns: tuple[str, ...] = PENALTY_COLUMNS

    @property
    def totals(self) -> tuple[tuple[date, Decimal], ...]:
        """Per month the sum of its amounts (a month without a verdict adds nothing)."""
        sums: dict[date, Decimal] = {}
        for row in self.rows:
            sums[row.month] = sums.get(row.month, Decimal("0.00")) + (row.amount or 0)
        return tuple(sums.items())


def kroner(value: Decimal) -> str:
    """'1.500,00 kr.': Danish thousands and øre, exact."""
    text = f"{Decimal(value):,.2f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".") + " kr."


def points(value: Decimal) -> str:
    """A shortfall in percentage points: '0,30 pp.'."""
    return f"{Decimal(value):.2f}".replace(".", ",") + " pp."


_PENALTY_SQL = """
select p.service_id, s.label, p.month, p.sla_target_pct, p.availability_display, p.sla_met,
       p.shortfall_pct, p.step_pct, p.steps, p.share_per_step_pct, p.cap_pct, p.penalty_pct,
       p.monthly_fee, p.penalty_amount, p.is_month_to_date
from marts.fct_monthly_penalties as p
join marts.dim_services as s using (service_id)
where p.month between ? and ?
order by p.month, s.sort_order, p.service_id
"""


def penalty_table(con: duckdb.DuckDBPyConnection, month: date) -> PenaltyTable | None:
    """The penalties from January of `month`'s year to `month`; None when no service has
    contract terms in those months (or the copy is from before penalties)."""
    if not has_table(con, "marts", "fct_monthly_penalties"):
        return None
    rows = con.execute(_PENALTY_SQL, [month.replace(month=1), month]).fetchall()
    if not rows:
        return None
    heading = f"{PENALTY_HEADING} {danish.EN_DASH} {danish.month_name(month)}"
    return PenaltyTable(heading, tuple(PenaltyRow(*row) for row in rows))
