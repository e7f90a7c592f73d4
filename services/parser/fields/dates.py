"""Dutch dates as letters write them.

'22 juni 2022', 'Den Haag, 12 maart 2024', 'Datum 3 februari 2023'.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

MONTHS = {
    "januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7,
    "augustus": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
    # abbreviations seen in running text and OData titles
    "jan": 1, "feb": 2, "mrt": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "okt": 10, "nov": 11, "dec": 12,
}

# Bounded quantifiers only: this runs on every line of arbitrarily large input.
_DUTCH = re.compile(
    r"\b(\d{1,2})\s{0,3}(?:e\s{1,3})?(" + "|".join(sorted(MONTHS, key=len, reverse=True))
    + r")\.?\s{1,3}(\d{4})\b",
    re.IGNORECASE,
)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})")


def find_dutch_date(text: str) -> date | None:
    """The first valid Dutch date written out in ``text`` ('3 februari 2023'), else ``None``."""
    for match in _DUTCH.finditer(text):
        day, month, year = match.groups()
        found = _make(int(year), MONTHS[month.lower()], int(day))
        if found is not None:
            return found
    return None


def parse_iso_date(text: str | None) -> date | None:
    """The date at the start of an ISO 8601 date or date-time string, else ``None``."""
    if not text:
        return None
    match = _ISO.search(text)
    if match is None:
        return None
    return _make(int(match[1]), int(match[2]), int(match[3]))


def parse_datetime(text: str | None) -> datetime | None:
    """An ISO 8601 date-time (naive ones are read as Amsterdam time); a bare date is midnight."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        day = parse_iso_date(text)
        return None if day is None else datetime(day.year, day.month, day.day, tzinfo=AMSTERDAM)
    return value if value.tzinfo else value.replace(tzinfo=AMSTERDAM)


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
