"""Tweede Kamer Open Data through the SyncFeed: letters (Documents of soort "Brief regering")
joined with their DocumentActors and Kamerstukdossier.

Upstream: ``<KAMERSTROOM_TK_API_URL>/SyncFeed/<KAMERSTROOM_TK_SYNCFEED_VERSION>/Feed?category=C
&skiptoken=N`` (version ``2.0``, unchanged by the 2026 move of OData to v5). No OData call
is made: v4 is switched off and v5's ``$expand`` is unconfirmed by any recording.

What each poll reads, in this order, each category under its own skiptoken checkpoint:

    Kamerstukdossier  stored (``nummer``, ``toevoeging``); key ``<ckpt>:Kamerstukdossier``
    DocumentActor     stored, joined to its letter by ``<document ref>``; key ``<ckpt>:DocumentActor``
    Document          the letters; key ``<ckpt>`` (the fetcher's own checkpoint of the source)

where ``<ckpt>`` is ``tweedekamer`` live and ``backfill:tweedekamer:<range>`` for a backfill.
Actors and dossiers come first so that the actors created with a letter are known when the
letter is read. Tables: ``services.fetcher.store.SyncFeedStore``.

What the parser gets (``RawDocument``):
    body           the enclosure file (PDF or DOCX) from ``…/Resources/<id>``
    upstream_time  the Document's ``bijgewerkt`` in UTC (a naive value is Dutch local time)
    metadata       ``FeedRecord(kind="syncfeed-document", content=<the Atom entry>, related=…)``
                   with ``related["dossier"]`` the Kamerstukdossier entity named by the
                   Document's ``<kamerstukdossier ref>`` and ``related["actor:<id>"]`` each
                   DocumentActor pointing at the Document (entity XML, verbatim)
    withdrawn      a tombstone of a letter queued before: empty body, kind ``syncfeed-entry``

Pending rule: a letter without any known actor whose ``bijgewerkt`` is less than ``GRACE``
ago is held in ``tk_pending`` (counted as ``Skipped("awaiting-actors")``; the Document
checkpoint moves past it because the table holds it) and looked at again on every poll.
When its actors arrive it is queued with them; once ``GRACE`` has passed it is queued
without them (the parser then warns that no signer or ministry is stated). A letter queued
before whose actors or dossier arrive or change later is queued again (the seen-table hash
covers these facts), so the publisher announces an update. A backfill holds nothing.

First run (no checkpoint, live): each category's starting skiptoken is found by bisection
on the start date (``syncfeed_start``, ~33 requests on a category of 10 million entries)
instead of a walk from 0. A backfill walks from 0 and keeps letters dated in its range.

Drift (``syncfeed.ENTRY_DRIFT``, one entry, counted, walk goes on): entry-without-content,
entry-without-skiptoken, atom-namespace-missing, entity-namespace-missing,
entity-unknown-namespace, entity-without-id, entity-without-bijgewerkt, unexpected-entity,
document-without-soort, actor-without-document, entity-without-entry (``inspect`` only).
``FeedDrift`` (``syncfeed.PAGE_DRIFT``, the poll fails, checkpoints stay): feed-gone (404 or
410), feed-status, not-atom, feed-namespace, page-unreadable (every entry of a page drifts).

Quirks handled: ``tk:`` or ``ns1:`` attribute prefixes, naive or offset ``bijgewerkt``,
tombstones (``verwijderd="true"``), a missing enclosure answering 500 (dead-lettered as
``resource-unavailable``: the feed page just answered, so the host is up).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import structlog

from services.fetcher.http import PoliteClient
from services.fetcher.sources.base import (
    Drift,
    Failed,
    Found,
    Inspection,
    Item,
    PollContext,
    Progress,
    Skipped,
)
from services.fetcher.sources.files import fetch_file
from services.fetcher.sources.syncfeed import (
    ACTOR,
    AMSTERDAM,
    DOCUMENT,
    DOSSIER,
    Entity,
    Entry,
    Page,
    entity_drift,
    normalise_timestamp,
    parse_page,
    parse_time,
    parse_xml,
    read_entity,
    read_entry,
)
from services.fetcher.sources.syncfeed_start import locate
from services.fetcher.start import local_day
from services.fetcher.store import SyncFeedStore
from shared.db import Target
from shared.errors import FeedDrift, RetryLater, Unprocessable
from shared.schema import FeedRecord, RawDocument

__all__ = ["NAME", "TweedeKamer", "normalise_timestamp"]

log = structlog.get_logger(__name__)
NAME = "tweedekamer"
LETTER = "Brief regering"
BEFORE_START = "before-start-date"
AWAITING = "awaiting-actors"
GRACE = timedelta(minutes=30)  # how long a letter may wait for the actors created with it
MAX_PAGES = 10_000  # a bound on one walk of one category
MAX_FOLLOW_UPS = 500  # pending or re-queued letters looked at per poll
SIGNER = "ondertekenaar"  # in relatie: "Eerste ondertekenaar", "Mede ondertekenaar"


@dataclass
class _Run:
    """What one poll learnt: which letters' actors or which dossiers changed, what it handled."""

    documents: set[str] = field(default_factory=set)
    dossiers: set[str] = field(default_factory=set)
    handled: set[str] = field(default_factory=set)


class TweedeKamer:
    """The SyncFeed source. See the module docstring and ``sources.base`` for the contract."""

    name = NAME
    interval = 15.0

    def __init__(self, base_url: str, store: Target, *, version: str = "2.0",
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.base_url = base_url.rstrip("/")
        self.feed_url = f"{self.base_url}/SyncFeed/{version}"
        self._store_target = store
        self._clock = clock
        self._store: SyncFeedStore | None = None

    # -- inspect -------------------------------------------------------------------------

    def inspect(self, body: bytes, url: str) -> list[Inspection]:
        """Per entry of a recorded page (or a single entry, or a bare entity): what the poll
        would decide, the fields it read and its drift. No request is made."""
        root = parse_xml(body, url)
        kind = root.tag.rsplit("}", 1)[-1] if isinstance(root.tag, str) else ""
        if kind == "feed":
            entries = [read_entry(e, url, None) for e in root.findall("{*}entry")]
            return [_inspection(e.id, e.entity, e.drift, e) for e in entries]
        if kind == "entry":
            entry = read_entry(root, url, None)
            return [_inspection(entry.id, entry.entity, entry.drift, entry)]
        entity = read_entity(root)
        drift = [Drift("entity-without-entry", f"{url}: <{entity.kind}> outside an Atom entry", url),
                 *entity_drift(entity, url, url, None)]
        return [_inspection(entity.id, entity, drift, None)]

    # -- poll ----------------------------------------------------------------------------

    async def poll(self, client: PoliteClient, context: PollContext) -> AsyncIterator[Item]:
        run = _Run()
        for category in (DOSSIER, ACTOR):
            async for drift in self._walk_related(client, context, category, run):
                yield drift
        async for item in self._walk_documents(client, context, run):
            yield item
        if context.window is None:
            async for item in self._follow_up(client, context, run):
                yield item

    def _state(self) -> SyncFeedStore:
        if self._store is None:
            self._store = SyncFeedStore(self._store_target, clock=self._clock)
        return self._store

    async def _page(self, client: PoliteClient, category: str, token: int) -> Page:
        url = f"{self.feed_url}/Feed"
        where = f"{url}?category={category}&skiptoken={token}"
        response = await client.get(url, {"category": category, "skiptoken": str(token)},
                                    conditional=True)
        if response.status in (404, 410):
            raise FeedDrift("feed-gone", f"the SyncFeed answered HTTP {response.status}", where)
        if response.status != 200:
            raise FeedDrift("feed-status", f"the SyncFeed answered HTTP {response.status}", where)
        return parse_page(response.body, where, category)

    async def _first_token(self, client: PoliteClient, context: PollContext,
                           category: str, checkpoint: str | None) -> tuple[int, bool]:
        """Where a category's walk starts, and whether that is new (to be stored)."""
        if checkpoint is not None and checkpoint.isdigit():
            return int(checkpoint), False
        if context.window is not None or context.start is None:
            return 0, True
        return await self.locate_start(client, category, context.start), True

    async def locate_start(self, client: PoliteClient, category: str, start: date) -> int:
        """The skiptoken from which ``category``'s entries are changed on or after ``start``
        (a Dutch local day), by bisection (``syncfeed_start``): one request per probe."""
        moment = datetime.combine(start, time(), AMSTERDAM).astimezone(UTC)
        token, probes = await locate(lambda t: self._page(client, category, t), moment)
        log.info("syncfeed start located", category=category, start=start.isoformat(),
                 skiptoken=token, requests=probes)
        return token

    async def _walk_related(self, client: PoliteClient, context: PollContext, category: str,
                            run: _Run) -> AsyncIterator[Drift]:
        """Store a category's dossiers or actors, page by page with its checkpoint."""
        state = self._state()
        key = f"{_checkpoint_key(context)}:{category}"
        token, new = await self._first_token(client, context, category, state.checkpoint(key))
        if new:
            state.put_entities({}, {}, (key, str(token)))
        for _ in range(MAX_PAGES):
            page = await self._page(client, category, token)
            dossiers: dict[str, str | None] = {}
            actors: dict[str, tuple[str, str] | None] = {}
            for entry in page.entries:
                for drift in entry.drift:
                    yield drift
                if entry.usable and entry.entity is not None and entry.entity.id:
                    self._collect(entry.entity, dossiers, actors, run)
            end = page.end_token
            moved = end is not None and end > token
            state.put_entities(dossiers, actors, (key, str(end)) if moved else None)
            if page.next_token is None or not moved or end is None:
                return
            token = end

    def _collect(self, entity: Entity, dossiers: dict[str, str | None],
                 actors: dict[str, tuple[str, str] | None], run: _Run) -> None:
        assert entity.id is not None
        if entity.kind == "kamerstukdossier":
            dossiers[entity.id] = None if entity.deleted else entity.text
            run.dossiers.add(entity.id)
            return
        document = entity.ref("document") or self._state().actor_document(entity.id)
        if document is not None:
            run.documents.add(document)
        actors[entity.id] = None if entity.deleted or document is None else (document, entity.text)

    async def _walk_documents(self, client: PoliteClient, context: PollContext,
                              run: _Run) -> AsyncIterator[Item]:
        token, new = await self._first_token(client, context, DOCUMENT, context.checkpoint)
        if new:
            yield Progress(str(token))
        for _ in range(MAX_PAGES):
            page = await self._page(client, DOCUMENT, token)
            for entry in page.entries:
                for drift in entry.drift:
                    yield drift
                if not entry.usable:
                    continue
                item = await self._document(client, entry, context, run)
                if item is not None:
                    yield item
                    self._after(item)
            end = page.end_token
            if page.next_token is None or end is None or end <= token:
                if end is not None and end > token:
                    yield Progress(str(end))
                return
            token = end
            yield Progress(str(token), done=token)

    async def _document(self, client: PoliteClient, entry: Entry, context: PollContext,
                        run: _Run) -> Item | None:
        entity = entry.entity
        assert entity is not None and entity.id is not None
        checkpoint = str(entry.skiptoken) if entry.skiptoken is not None else None
        if entity.deleted:
            return self._withdrawal(entry, entity, context, checkpoint)
        if entity.field("soort") != LETTER:
            return None
        day = _day(entity.field("datum"))
        if context.window and (day is None or not context.window.contains(day)):
            return None
        if context.start is not None and _before(entity.bijgewerkt, context.start):
            return Skipped(entity.id, BEFORE_START, checkpoint)
        state = self._state()
        state.put_letter(entity.id, entry.text, entity.ref("kamerstukdossier"))
        seen = context.seen(entity.id)
        if seen is not None and seen.version == entity.bijgewerkt:
            return None  # this version was handled; a later change of its facts is a follow-up
        if (context.window is None and not state.actors(entity.id)
                and self._within_grace(entity.bijgewerkt)):
            state.hold(entity.id, self._clock().isoformat())
            return Skipped(entity.id, AWAITING, checkpoint,
                           detail="no DocumentActor yet; held in tk_pending")
        run.handled.add(entity.id)
        return await self._letter(client, entry, entity, context, checkpoint)

    async def refetch(self, client: PoliteClient, record: str) -> list[Item]:
        """The file of a dead-lettered letter's Atom entry, fetched again (see ``Source``),
        with the actors and dossier the store holds now."""
        try:
            entry = read_entry(parse_xml(record.encode(), self.feed_url), self.feed_url, "document")
        except FeedDrift as exc:
            raise Unprocessable("not-an-entry", exc.detail) from None
        if entry.entity is None or entry.entity.id is None or not entry.usable:
            raise Unprocessable("not-an-entry", "not a SyncFeed Document entry")
        context = PollContext(checkpoint=None, seen=lambda _: None)
        item = await self._letter(client, entry, entry.entity, context, None)
        self._after(item)
        return [item]

    async def _follow_up(self, client: PoliteClient, context: PollContext,
                         run: _Run) -> AsyncIterator[Item]:
        """Pending letters, and queued letters whose actors or dossier changed in this poll."""
        state = self._state()
        pending = state.pending(MAX_FOLLOW_UPS)
        changed = [d for d in sorted(run.documents) if state.letter(d) is not None]
        changed += state.letters_of_dossiers(run.dossiers)
        for document_id in list(dict.fromkeys(pending + changed))[:MAX_FOLLOW_UPS]:
            if document_id in run.handled:
                continue
            text = state.letter(document_id)
            entry = read_entry(parse_xml(text.encode(), self.feed_url), self.feed_url, "document") \
                if text is not None else None
            if entry is None or entry.entity is None or not entry.usable:
                state.release(document_id)
                continue
            item = await self._follow_up_one(client, entry, entry.entity, context,
                                             document_id in pending)
            if item is not None:
                run.handled.add(document_id)
                yield item
                self._after(item)

    async def _follow_up_one(self, client: PoliteClient, entry: Entry, entity: Entity,
                             context: PollContext, pending: bool) -> Item | None:
        assert entity.id is not None
        state = self._state()
        related = self._related(entity)
        if pending and not _has_actors(related) and self._within_grace(entity.bijgewerkt):
            return None  # still waiting
        if not pending:
            seen = context.seen(entity.id)
            if seen is None or not seen.queued or state.queued_facts(entity.id) == _facts(related):
                return None  # never queued, or nothing it says changed
        return await self._letter(client, entry, entity, context, None)

    def _after(self, item: Item) -> None:
        """Once an item is handled: a queued or dead-lettered letter is no longer pending."""
        if isinstance(item, Found) and not item.document.withdrawn and item.facts is not None:
            self._state().mark_queued(item.document.upstream_id, item.facts)
        elif isinstance(item, Failed):
            self._state().release(item.upstream_id)

    def _within_grace(self, bijgewerkt: str | None) -> bool:
        moment = parse_time(bijgewerkt)
        return moment is not None and self._clock() - moment < GRACE

    def _related(self, entity: Entity) -> dict[str, str]:
        """The letter's dossier and actors as stored, for ``FeedRecord.related``."""
        assert entity.id is not None
        state = self._state()
        related = {f"actor:{key}": xml for key, xml in state.actors(entity.id).items()}
        dossier_ref = entity.ref("kamerstukdossier")
        dossier = state.dossier(dossier_ref) if dossier_ref else None
        if dossier is not None:
            related["dossier"] = dossier
        return related

    def _withdrawal(self, entry: Entry, entity: Entity, context: PollContext,
                    checkpoint: str | None) -> Item | None:
        assert entity.id is not None
        self._state().forget_letter(entity.id)
        seen = context.seen(entity.id)
        if seen is None or not seen.queued:
            return None
        document = RawDocument(feed=NAME, upstream_id=entity.id, fetched_at=datetime.now(UTC),
                               upstream_time=parse_time(entity.bijgewerkt), withdrawn=True,
                               replay=context.replay,
                               metadata=FeedRecord(kind="syncfeed-entry", content=entry.text))
        return Found(document, entity.bijgewerkt, checkpoint)

    async def _letter(self, client: PoliteClient, entry: Entry, entity: Entity,
                      context: PollContext, checkpoint: str | None) -> Found | Failed:
        assert entity.id is not None
        related = self._related(entity)
        url = entry.enclosure or f"{self.feed_url}/Resources/{entity.id}"
        try:
            fetched = await fetch_file(client, url, entity.attrs.get("contentType"))
        except Unprocessable as exc:
            return Failed(entity.id, exc.reason, exc.detail, url, entity.bijgewerkt, entry.text,
                          checkpoint)
        except RetryLater as exc:
            # The feed page just answered, so the host is up: a resource that still fails
            # after every retry is the feed's missing-resource quirk (a 500), and waiting for
            # it would stall the whole feed. It is dead-lettered and can be requeued.
            return Failed(entity.id, "resource-unavailable", str(exc), url, entity.bijgewerkt,
                          entry.text, checkpoint)
        document = RawDocument(
            feed=NAME, upstream_id=entity.id, url=url, fetched_at=datetime.now(UTC),
            upstream_time=parse_time(entity.bijgewerkt),
            content_type=fetched.response.content_type, format=fetched.format,
            body=fetched.response.body, replay=context.replay,
            metadata=FeedRecord(kind="syncfeed-document", content=entry.text, related=related),
        )
        return Found(document, entity.bijgewerkt, checkpoint, facts=_facts(related))


def _checkpoint_key(context: PollContext) -> str:
    """The fetcher's checkpoint key of this source (``service.checkpoint_key``)."""
    return NAME if context.window is None else f"backfill:{NAME}:{context.window.key}"


def _has_actors(related: dict[str, str]) -> bool:
    return any(key.startswith("actor:") for key in related)


def _facts(related: dict[str, str]) -> str:
    """What a letter's actors and dossier say, canonical: the part of the hash beyond the file.

    Only the facts, not the entity XML: an actor re-emitted unchanged (a data fix with a new
    ``bijgewerkt``) does not queue the letter again.
    """
    signers = []
    dossier = None
    for key, xml in sorted(related.items()):
        entity = read_entity(parse_xml(xml.encode(), key))
        if key.startswith("actor:"):
            signers.append([entity.field("relatie"), entity.field("functie"), entity.field("actorNaam")])
        elif key == "dossier":
            dossier = [entity.field("nummer"), entity.field("toevoeging")]
    return json.dumps({"actors": sorted(signers, key=str), "dossier": dossier}, ensure_ascii=False)


def _inspection(entry_id: str | None, entity: Entity | None, drift: list[Drift],
                entry: Entry | None) -> Inspection:
    reason = _classify(entity, drift)
    fields: dict[str, object] = {}
    if entity is not None:
        fields = {"entity": entity.kind, "namespace": entity.namespace,
                  "bijgewerkt": entity.bijgewerkt, "verwijderd": entity.deleted,
                  **entity.fields, "refs": entity.refs}
    if entry is not None:
        fields.update({"updated": entry.updated, "skiptoken": entry.skiptoken,
                       "enclosure": entry.enclosure})
    return Inspection(entry_id, "letter" if reason is None else "skipped", reason, fields, drift)


def _classify(entity: Entity | None, drift: list[Drift]) -> str | None:
    """Why the poll passes over an entity (``None``: it is a letter). Stateless: whether a
    tombstone withdraws a queued letter depends on the store."""
    unusable = Entry(None, None, None, None, None, entity, "", drift)
    if not unusable.usable or entity is None:
        return "drift"
    if entity.kind in ("documentActor", "kamerstukdossier"):
        return "related-entity"  # stored and joined with its letter
    if entity.kind != "document":
        return "other-category"
    if entity.deleted:
        return "tombstone"
    if entity.field("soort") != LETTER:
        return "not-a-letter"
    return None


def _before(updated: str | None, start: date) -> bool:
    """True if the entry was last changed before ``start``; an unreadable time is not."""
    day = local_day(updated)
    return day is not None and day < start


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
