"""Finding where a start date falls in a SyncFeed category, without walking from skiptoken 0.

The feed is ordered by change and a page answers the entries after the asked skiptoken (an
empty feed past the end), so the position of the first entry changed on or after the start
is found by exponential search then bisection over skiptoken, one request per probe:

1. grow: probe ``FIRST_PROBE``, then double, until a probe answers an empty page or a page
   whose first entry is on or after the start (an upper bound);
2. bisect between the last probe that was wholly before the start and that bound;
3. stop as soon as one probed page straddles the start (its entries give the exact token),
   is the last page (no ``next`` link: everything is before the start), or the bounds meet.

A probe page of ``n`` entries moves the lower bound past all of them, so the search ends at
page width rather than at 1. Cost: about ``log2(end / FIRST_PROBE) + log2(end / page)``
probes, 33 on a category of 10 million entries at 50 a page. The result is the token to
resume from (the entries before the start that remain on the first page are skipped by
the walk as before-start-date). The order key is the entry's Atom ``updated`` (the feed's
own time of the entry), else the entity's ``bijgewerkt``: a real entry shows ``updated``
2019 for an entity ``bijgewerkt`` 2008, i.e. re-emitted entities keep their old
``bijgewerkt`` and only the feed's time is in feed order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from services.fetcher.sources.syncfeed import Page, parse_time
from shared.errors import FeedDrift

FIRST_PROBE = 1024
MAX_PROBES = 80  # 2**63 is reached in 53 doublings; a bound, never reached on a sane feed


async def locate(probe: Callable[[int], Awaitable[Page]], start: datetime) -> tuple[int, int]:
    """The skiptoken to resume from so the walk begins at ``start``, and the probes made."""
    low, high, probes = 0, None, 0
    candidate = FIRST_PROBE
    while probes < MAX_PROBES:
        if high is not None and high - low <= 1:
            return low, probes
        token = candidate if high is None else (low + high) // 2
        page = await probe(token)
        probes += 1
        verdict = _verdict(page, start, token)
        if isinstance(verdict, _Exact):
            return verdict.token, probes
        if verdict is None:  # empty, or begins on/after the start: an upper bound
            high = token
        else:
            low = max(low, verdict)
            candidate = max(candidate * 2, low + 1)
    raise FeedDrift("feed-status", f"no start position after {probes} probes")


class _Exact:
    def __init__(self, token: int) -> None:
        self.token = token


def _verdict(page: Page, start: datetime, asked: int) -> int | _Exact | None:
    """``None``: the start is at or before ``asked``; an int: every entry up to that token is
    before the start; ``_Exact``: the page straddles the start at that token."""
    if not page.entries:
        return None
    timed = [(e.skiptoken, parse_time(e.time)) for e in page.entries]
    known = [(t, m) for t, m in timed if t is not None and m is not None]
    if not known:
        raise FeedDrift("entity-without-bijgewerkt", "a probed page has no entry with a time")
    if known[0][1] >= start:
        return None
    before = [t for t, m in known if m < start]
    if len(before) < len(known) or page.next_token is None:  # the start, or the end, is here
        return _Exact(max(before))
    return max(max(before), asked)
