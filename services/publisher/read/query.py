"""The read API's query string, checked: filters, cursor and limit, or ``BadInput`` with the reason.

The same filters serve ``GET /v1/kamerbrieven`` and ``GET /feeds/kamerbrieven.atom``. A
parameter the route does not take, one given twice, a malformed date, a chamber other than
``tk``/``ek``, or ``q`` over 500 characters is refused; ``limit`` over 100 is clamped.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

FILTERS = ("ministry", "dossier", "chamber", "since", "until", "q", "cites")
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_Q = 500
_WORD = re.compile(r"\w+")
_CODE = re.compile(r"^[0-9a-z-]{1,40}$")


class BadInput(ValueError):
    """A query the API refuses (400); the message says why."""


@dataclass(frozen=True)
class LetterQuery:
    """Which letters: each filter given narrows (AND); ``None`` is not filtered."""

    ministry: str | None = None
    dossier: str | None = None
    chamber: str | None = None
    since: str | None = None  # stored-time text, inclusive
    until: str | None = None  # exclusive
    q: str | None = None
    cites: str | None = None

    def fingerprint(self) -> str:
        """A short digest of the filters: a cursor is only good for the query that made it."""
        canonical = json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def match_expression(self) -> str | None:
        """``q`` as an FTS5 expression: every word, each quoted (so no FTS syntax can break it)."""
        if self.q is None:
            return None
        return " ".join(f'"{word}"' for word in _WORD.findall(self.q))

    def words(self) -> list[str]:
        """The words of ``q`` (every one must occur in a letter that matches)."""
        return _WORD.findall(self.q) if self.q is not None else []

    def params(self) -> dict[str, str]:
        """The filters as given (canonical), e.g. for a feed's self link."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Page:
    """A query, how many letters, and where to continue (a cursor string, checked later)."""

    query: LetterQuery
    limit: int
    asked_limit: int
    cursor: str | None

    @property
    def clamped(self) -> bool:
        return self.asked_limit > self.limit


def parse_page(params: Mapping[str, str], keys: Sequence[str], *, extra: Collection[str] = ()) -> Page:
    """Filters plus ``limit`` and, when ``extra`` allows it, ``cursor``.

    ``keys`` is every key of the query string (repeats included).
    """
    allowed = {*FILTERS, "limit", *extra}
    check_keys(keys, allowed)
    asked = _limit(params.get("limit"))
    return Page(query=parse_filters(params), limit=min(asked, MAX_LIMIT), asked_limit=asked,
                cursor=params.get("cursor") if "cursor" in extra else None)


def check_keys(keys: Sequence[str], allowed: Collection[str]) -> None:
    """Refuse a parameter not in ``allowed`` or one given twice."""
    unknown = sorted(set(keys) - set(allowed))
    if unknown:
        raise BadInput(f"unknown parameter(s) {', '.join(unknown)}; this route takes "
                       f"{', '.join(sorted(allowed)) or 'none'}")
    twice = sorted({k for k in keys if list(keys).count(k) > 1})
    if twice:
        raise BadInput(f"give {', '.join(twice)} once")


def parse_filters(params: Mapping[str, str]) -> LetterQuery:
    """The filters of ``params`` (unknown keys are checked by ``check_keys``)."""
    q = params.get("q")
    if q is not None and len(q) > MAX_Q:
        raise BadInput(f"q is {len(q)} characters; at most {MAX_Q}")
    if q is not None and q.strip() and not _WORD.search(q):
        raise BadInput("q has no word to search for")
    chamber = _code(params, "chamber")
    if chamber not in (None, "tk", "ek"):
        raise BadInput("chamber is tk (Tweede Kamer) or ek (Eerste Kamer)")
    since, until = _moment(params, "since"), _moment(params, "until")
    if since is not None and until is not None and since >= until:
        raise BadInput("since must be before until")
    return LetterQuery(ministry=_code(params, "ministry"), dossier=_code(params, "dossier"),
                       chamber=chamber, since=since, until=until,
                       q=q.strip() if q and q.strip() else None, cites=_code(params, "cites"))


def _code(params: Mapping[str, str], name: str) -> str | None:
    """A ministry code or dossier number: case and spaces do not matter ('36 124' is '36124')."""
    raw = params.get(name)
    if raw is None or not raw.strip():
        return None
    value = raw.replace(" ", "").casefold()
    if not _CODE.match(value):
        raise BadInput(f"{name} {raw[:50]!r} is not a code or number (letters, digits, '-')")
    return value


def _moment(params: Mapping[str, str], name: str) -> str | None:
    """An ISO 8601 date (midnight UTC) or date-time (no zone: UTC), as stored-time text."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise BadInput(f"{name} {raw[:50]!r} is not an ISO 8601 date or date-time, "
                       "e.g. 2026-11-27 or 2026-11-27T09:00:00Z") from None
    return stored_time(when)


def stored_time(when: datetime) -> str:
    """The text form of ``letter_versions.created_at`` (so text order is time order)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise BadInput(f"limit {raw[:20]!r} is not a whole number") from None
    if value < 1:
        raise BadInput("limit is at least 1")
    return value
