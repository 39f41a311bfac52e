"""Danish number, date and month formatting for the report.

Formatting only: SLA figures arrive already rounded from SQL (`availability_display`),
so nothing here rounds a measured value.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from dagster_project.timeline import LOCAL_ZONE

EN_DASH = "\u2013"  # the seed's dash in titles and ranges ('Støttesystemerne \u2013 januar 2024')
MONTH_ABBREVIATIONS = (
    "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
)  # fmt: skip
MONTH_NAMES = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip

# Danish style writes small counts as words ("afviklet to servicevinduer").
_NUMBER_WORDS = (
    "nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "elleve", "tolv",
)  # fmt: skip


def pct(value: Decimal | str | int) -> str:
    """A fixed percentage such as an SLA target, '99,90%'.

    Only for exact reference values (targets); measured availability is shown with the
    mart's `availability_display` instead, so Python never rounds an SLA figure.
    """
    exact = Decimal(str(value))
    if exact != exact.quantize(Decimal("0.01")):
        raise ValueError(f"{value!r} has more than two decimals; round it in SQL, not here")
    return f"{exact:.2f}".replace(".", ",") + "%"


def integer(value: int) -> str:
    """Thousands separated by dots: 198196122 -> '198.196.122'."""
    return f"{int(value):,}".replace(",", ".")


def decimal(value: float, places: int = 1) -> str:
    """A measured quantity that is not an SLA figure (seconds, minutes): '1.234,5'."""
    text = f"{value:,.{places}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def month_label(month: date) -> str:
    """The table's column label: 'jan-24'."""
    return f"{MONTH_ABBREVIATIONS[month.month - 1]}-{month.year % 100:02d}"


def month_name(month: date, capitalised: bool = False) -> str:
    """'januar 2024' (or 'Januar 2024' for the title block)."""
    text = f"{MONTH_NAMES[month.month - 1]} {month.year}"
    return text[0].upper() + text[1:] if capitalised else text


def day_and_month(moment: date | datetime, with_year: bool = True) -> str:
    """'25. januar 2024' (or '25. januar' when the year is evident)."""
    text = f"{moment.day}. {MONTH_NAMES[moment.month - 1]}"
    return f"{text} {moment.year}" if with_year else text


def moment(at: datetime) -> str:
    """An instant in Copenhagen time: '7. december 2026 kl. 06.04'."""
    local = at.astimezone(ZoneInfo(LOCAL_ZONE))
    return f"{day_and_month(local)} kl. {local:%H.%M}"


def number_word(value: int, neuter: bool = False) -> str:
    """Small counts as words ('to', 'et' for a neuter noun); 13 and up as digits."""
    if value == 1:
        return "et" if neuter else "en"
    if 0 <= value < len(_NUMBER_WORDS):
        return _NUMBER_WORDS[value]
    return integer(value)


def join_words(items: list[str]) -> str:
    """'november og december 2023' style lists: 'a, b og c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]
