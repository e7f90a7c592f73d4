"""The interface every feed source implements, and what a poll yields.

A poll yields five kinds of item, in feed order:

    Found     a document to queue on ``<ns>.raw`` (new, changed, or a withdrawal)
    Failed    a document that cannot be fetched properly: dead-letter it, go on
    Skipped   a document deliberately not queued (e.g. modified before the start date):
              counted per reason and logged, never published
    Progress  nothing to queue, but the checkpoint may move (the end of a page)
    Drift     part of a response deviates from the contract the source was built for (a
              record without an identifier, an entry without content): counted, shown in
              ``/readyz`` and logged by the fetcher; the walk goes on. A deviation that
              spoils the whole response is raised as ``shared.errors.FeedDrift`` instead.

The fetcher handles each item completely (publish, wait for the broker's confirm, record
it) before it asks the generator for the next one. An item's ``checkpoint`` is the value to
resume from once it is handled; ``None`` leaves the checkpoint where it is. A source raises
``RetryLater`` when the feed itself cannot be read now (the checkpoint stays put).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from services.fetcher.http import PoliteClient
from services.fetcher.store import Seen
from shared.schema import RawDocument


@dataclass(frozen=True)
class Found:
    """A document to queue. ``version`` is the upstream's own change marker (a timestamp).

    ``facts`` (optional) are what the feed says about the document beyond its body (the
    Tweede Kamer letter's signers and dossier): the seen-table hash covers them, so a
    document whose facts change is queued again though its file did not.
    """

    document: RawDocument
    version: str | None = None
    checkpoint: str | None = None
    facts: str | None = None


@dataclass(frozen=True)
class Failed:
    """A document to dead-letter with a short ``reason`` code and a readable ``detail``."""

    upstream_id: str
    reason: str
    detail: str
    url: str | None = None
    version: str | None = None
    record: str = ""
    checkpoint: str | None = None


@dataclass(frozen=True)
class Skipped:
    """A document passed over on purpose; ``reason`` is a short code such as ``before-start-date``.

    With a ``version`` the skip is remembered in the seen-table, so the same version is not
    looked at (or counted) again; without one nothing is stored but the checkpoint.
    """

    upstream_id: str
    reason: str
    checkpoint: str | None = None
    version: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Progress:
    """A checkpoint to store; ``done``/``total`` (when known) feed the backfill progress bar."""

    checkpoint: str | None
    done: int | None = None
    total: int | None = None


@dataclass(frozen=True)
class Drift:
    """One deviation from the feed's contract. ``kind`` is a short, closed code (a metric
    label: ``record-without-identifier``, never an id or URL); ``detail`` and ``url`` are the
    example an operator sees."""

    kind: str
    detail: str
    url: str | None = None


Item = Found | Failed | Skipped | Progress | Drift


@dataclass(frozen=True)
class Inspection:
    """What the fetcher decides about one record of a recorded response (``feeds inspect``).

    ``decision`` is ``letter`` (it would be fetched and queued) or ``skipped`` (with the
    ``reason`` code the fetcher would count); a source that can only decide on the document
    (which ``inspect`` does not fetch) says ``undecided`` with its reason; ``fields`` are the
    values read from the record; ``drift`` lists the deviations from the contract seen in this record.
    """

    id: str | None
    decision: str
    reason: str | None = None
    fields: dict[str, object] = field(default_factory=dict)
    drift: list[Drift] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "decision": self.decision, "reason": self.reason,
                "fields": self.fields,
                "drift": [{"kind": d.kind, "detail": d.detail, "url": d.url} for d in self.drift]}


@dataclass(frozen=True)
class Window:
    """A backfill's date range (inclusive); documents in it are marked as replays."""

    since: date
    until: date | None = None

    def contains(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)

    @property
    def key(self) -> str:
        return f"{self.since.isoformat()}..{self.until.isoformat() if self.until else ''}"


@dataclass(frozen=True)
class PollContext:
    """What a source may know about its past: its checkpoint and the seen-table.

    ``window`` is set for a backfill (history in a date range) and ``None`` for live polling.
    ``start`` (live polling only) is the start date: nothing modified before it is queued.
    """

    checkpoint: str | None
    seen: Callable[[str], Seen | None]
    window: Window | None = None
    start: date | None = None

    @property
    def replay(self) -> bool:
        return self.window is not None


class Source(Protocol):
    """A feed. ``poll`` yields the items that are new since ``context.checkpoint``.

    ``interval`` is the source's default seconds between polls (``KAMERSTROOM_POLL_INTERVAL``
    overrides it for every source). ``inspect`` reads one recorded response with the code
    ``poll`` runs and says, per record, what the fetcher would decide; a response that is not
    the feed's format at all raises ``FeedDrift`` or ``Unprocessable``. It makes no request.
    """

    name: str
    interval: float

    def poll(self, client: PoliteClient, context: PollContext) -> AsyncIterator[Item]: ...

    def inspect(self, body: bytes, url: str) -> list[Inspection]: ...

    async def refetch(self, client: PoliteClient, record: str) -> list[Item]:
        """Fetch again the document of ``record``, the feed record a ``Failed`` item carried
        (a dead letter sent back with ``kamerstroom dead requeue``). Returns its items, none
        with a checkpoint; raises ``Unprocessable`` if ``record`` is not a record of this feed."""
        ...
