"""The Tweede Kamer SyncFeed replay: three categories as Atom pages in the tkData v1-0 format.

What is real and what is constructed (see recordings/PROVENANCE.md):

- ``Document`` entities are the real 2025 records of the recorded OData crawl pages, their
  fields renamed to the tkData element names of the official XSD (``Soort`` -> ``soort``,
  ``GewijzigdOp`` -> ``bijgewerkt``, ``ContentType`` -> ``contentType`` …), in XSD order;
  a null is ``xsi:nil`` where the XSD allows it and left out where it does not.
- ``Kamerstukdossier`` holds the one real dossier entity recorded (30218, from a real
  entry whose namespaces the recorder stripped; they are restored here).
- ``DocumentActor`` is empty: no real actor of these letters was recorded, so none is
  served, and the letters honestly name no signer and no ministry.
- Constructed: the Atom envelope (title, ``Entiteiten`` id, author, ``updated`` = the
  entity's ``bijgewerkt`` in UTC, category, links), the skiptokens (entry ``n`` of a
  category has skiptoken ``n``) and the enclosure files (a stand-in text built from the
  record's real fields). Every page says so in an XML comment. Entities a test adds
  (``add_letter``, ``add_actor``, ``add_dossier``) are marked as test data in their entry.

Feed order is change order: the recorded pages (newest change first) are reversed. Quirks
of the real feed are kept: every fifth entry uses the ``ns1:`` attribute prefix instead of
``tk:``, every seventh has a naive ``bijgewerkt``, deletions are tombstones, and a missing
resource answers 500 (``app``). ``virtual`` serves a feed of N constructed tombstones
(never materialised) for the start-date bisection; ``drift`` switches to a changed format.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from kamerstroom.feedserver.documents import docx_bytes, pdf_bytes

TK_NS = "http://www.tweedekamer.nl/xsd/tkData/v1-0"
CHANGED_NS = "http://www.tweedekamer.nl/xsd/tkData/v2-0"  # the ``namespace`` drift
ATOM_NS = "http://www.w3.org/2005/Atom"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
PAGE_SIZE = 50
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LETTER = "Brief regering"
CATEGORIES = {"Document": "document", "DocumentActor": "documentActor",
              "Kamerstukdossier": "kamerstukdossier"}
DRIFTS = ("namespace", "gone")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CONSTRUCTED = ("Constructed by the kamerstroom replay server: the Atom envelope, skiptokens "
               "and links follow the documented SyncFeed structure; entity values are real "
               "recorded values unless the entry says it is test data (recordings/PROVENANCE.md)")

# The Document fields of the tkData XSD, in its sequence order: (element, OData name, nillable).
DOCUMENT_FIELDS = (
    ("soort", "Soort", True), ("documentNummer", "DocumentNummer", False),
    ("titel", "Titel", True), ("onderwerp", "Onderwerp", False), ("datum", "Datum", False),
    ("volgnummer", "Volgnummer", False), ("vergaderjaar", "Vergaderjaar", False),
    ("kamer", "Kamer", False), ("citeertitel", "Citeertitel", True), ("alias", "Alias", True),
    ("datumRegistratie", "DatumRegistratie", True), ("datumOntvangst", "DatumOntvangst", True),
    ("aanhangselnummer", "Aanhangselnummer", True),
    ("kenmerkAfzender", "KenmerkAfzender", True), ("organisatie", "Organisatie", False),
)
# The real Kamerstukdossier entity recorded (tests/fixtures/real/tk-syncfeed/
# entry-kamerstukdossier-30218-namespaces-stripped.xml), its values verbatim.
REAL_DOSSIER_30218 = (
    "1f031e16-cb3b-45b5-b3c9-a8abd27c913a", "2008-08-26T12:13:04.6270000",
    "2019-06-28T20:34:35.1495901Z",
    [("titel", "Wijziging van de Wet ruimtelijke ordening inzake de grondexploitatie"),
     ("citeertitel", None), ("alias", None), ("nummer", "30218"), ("toevoeging", None),
     ("hoogsteVolgnummer", "25"), ("afgesloten", "false"), ("kamer", "Tweede Kamer")],
)


@dataclass(frozen=True)
class Entity:
    """One tkData entity as served: relations (``refs``) then fields, both in XSD order.

    A field value ``None`` is served as ``xsi:nil``; ``deleted`` makes a tombstone.
    """

    kind: str
    id: str
    bijgewerkt: str
    deleted: bool = False
    refs: tuple[tuple[str, str], ...] = ()
    fields: tuple[tuple[str, str | None], ...] = ()
    content_type: str | None = None
    content_length: int | None = None
    test_data: bool = False
    updated: str | None = None  # the entry's Atom time when recorded (else from bijgewerkt)

    def value(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)

    @property
    def ref_map(self) -> dict[str, str]:
        return dict(self.refs)


@dataclass(frozen=True)
class VirtualFeed:
    """``count`` constructed tombstones per category, evenly spread from ``first`` to ``last``.

    Nothing is materialised: entry ``n`` is computed when a page asks for it.
    """

    count: int
    first: datetime
    last: datetime

    def time(self, position: int) -> datetime:
        span = (self.last - self.first) / max(1, self.count - 1)
        return self.first + span * (position - 1)

    def entity(self, kind: str, position: int) -> Entity:
        moment = self.time(position).astimezone(UTC).isoformat().replace("+00:00", "Z")
        uid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"kamerstroom-virtual:{kind}:{position}"))
        return Entity(kind, uid, moment, deleted=True)

    def resume_token(self, moment: datetime) -> int:
        """The skiptoken after the last entry changed before ``moment`` (the ground truth)."""
        if moment <= self.first:
            return 0
        span = (self.last - self.first) / max(1, self.count - 1)
        before = int((moment - self.first) / span) + 1  # positions 1..before are < moment
        while before >= 1 and self.time(before) >= moment:
            before -= 1
        while before < self.count and self.time(before + 1) < moment:
            before += 1
        return min(before, self.count)


@dataclass
class TkData:
    """The replayed state: each category's entities in change order, and enclosure revisions."""

    feeds: dict[str, list[Entity]] = field(default_factory=lambda: {c: [] for c in CATEGORIES})
    revisions: dict[str, int] = field(default_factory=dict)
    virtual: VirtualFeed | None = None
    drift: str | None = None  # one of DRIFTS: serve a changed format

    @property
    def entries(self) -> list[Entity]:
        """The Document category."""
        return self.feeds["Document"]

    def latest(self, document_id: str) -> Entity | None:
        return next((e for e in reversed(self.entries) if e.id == document_id), None)

    @property
    def letters(self) -> list[str]:
        """Ids of the live "Brief regering" documents (each once)."""
        live = {e.id: e for e in self.entries}
        return [i for i, e in live.items() if not e.deleted and e.value("soort") == LETTER]

    def withdraw(self, document_id: str) -> None:
        """Append a tombstone for ``document_id`` (as a deletion upstream would)."""
        self.entries.append(Entity("document", document_id, "2025-10-03T09:00:00+02:00", True))

    def revise(self, document_id: str) -> None:
        """Re-emit ``document_id`` with a changed enclosure (a new revision upstream)."""
        self.reemit(document_id)
        self.revisions[document_id] = self.revisions.get(document_id, 0) + 1

    def reemit(self, document_id: str, bijgewerkt: str = "2025-10-03T10:00:00+02:00",
               **changes: Any) -> None:
        """Re-emit ``document_id`` with a new ``bijgewerkt`` (an upstream data fix)."""
        latest = self.latest(document_id)
        if latest is None:
            raise KeyError(document_id)
        self.entries.append(replace(latest, bijgewerkt=bijgewerkt, **changes))

    def add_letter(self, onderwerp: str, bijgewerkt: str, volgnummer: int = -1,
                   dossier_id: str | None = None) -> str:
        """Append a letter made up by a test (marked as test data in its entry)."""
        uid = str(uuid.uuid4())
        refs = (("kamerstukdossier", dossier_id),) if dossier_id else ()
        fields = (("soort", LETTER), ("documentNummer", "2099D00001"), ("onderwerp", onderwerp),
                  ("datum", bijgewerkt[:10] + "T00:00:00+01:00"), ("volgnummer", str(volgnummer)),
                  ("vergaderjaar", "2026-2027"), ("organisatie", "Tweede Kamer"))
        self.entries.append(Entity("document", uid, bijgewerkt, refs=refs, fields=fields,
                                   content_type="application/pdf", content_length=1000,
                                   test_data=True))
        return uid

    def add_actor(self, document_id: str, functie: str, naam: str, bijgewerkt: str,
                  relatie: str = "Eerste ondertekenaar") -> str:
        """Append a DocumentActor made up by a test (marked as test data)."""
        uid = str(uuid.uuid4())
        self.feeds["DocumentActor"].append(Entity(
            "documentActor", uid, bijgewerkt, refs=(("document", document_id),),
            fields=(("actorNaam", naam), ("functie", functie), ("relatie", relatie)),
            test_data=True))
        return uid

    def add_dossier(self, nummer: str, toevoeging: str | None, bijgewerkt: str) -> str:
        """Append a Kamerstukdossier made up by a test (marked as test data)."""
        uid = str(uuid.uuid4())
        self.feeds["Kamerstukdossier"].append(Entity(
            "kamerstukdossier", uid, bijgewerkt,
            fields=(("titel", "Testdossier"), ("nummer", nummer), ("toevoeging", toevoeging)),
            test_data=True))
        return uid

    def enclosure(self, document_id: str) -> tuple[bytes, str] | None:
        """The stand-in file of a live document and its content type."""
        entity = self.latest(document_id)
        if entity is None or entity.deleted:
            return None
        text = _stand_in_text(entity, self.revisions.get(document_id, 0))
        if entity.content_type == DOCX:
            return docx_bytes(text), DOCX
        return pdf_bytes(text, title=entity.value("onderwerp") or ""), "application/pdf"

    def page(self, category: str, skiptoken: int) -> list[tuple[int, Entity]]:
        """The entries after ``skiptoken`` (at most ``PAGE_SIZE``) with their positions."""
        if self.virtual is not None:
            last = min(self.virtual.count, skiptoken + PAGE_SIZE)
            return [(n, self.virtual.entity(CATEGORIES[category], n))
                    for n in range(skiptoken + 1, last + 1)]
        chosen = self.feeds[category][skiptoken:skiptoken + PAGE_SIZE]
        return [(skiptoken + i + 1, e) for i, e in enumerate(chosen)]

    def size(self, category: str) -> int:
        return self.virtual.count if self.virtual is not None else len(self.feeds[category])


def load(folder: Path) -> TkData:
    """The recorded Document pages (page 11 is older than page 10) and the real dossier."""
    pages = sorted(folder.glob("odata-v4-Document-value-page*.json"),
                   key=lambda p: int(p.stem.rsplit("page", 1)[1]), reverse=True)
    data = TkData()
    for page in pages:
        records = json.loads(page.read_text(encoding="utf-8"))
        data.entries.extend(document_entity(r) for r in reversed(records))
    uid, bijgewerkt, updated, fields = REAL_DOSSIER_30218
    data.feeds["Kamerstukdossier"].append(
        Entity("kamerstukdossier", uid, bijgewerkt, fields=tuple(fields), updated=updated))
    return data


def document_entity(record: dict[str, Any]) -> Entity:
    """A real OData v4 Document record under its tkData element names."""
    deleted = bool(record.get("Verwijderd"))
    fields: list[tuple[str, str | None]] = []
    for element, name, nillable in () if deleted else DOCUMENT_FIELDS:
        value = record.get(name)
        if value is None or value == "":
            if nillable:
                fields.append((element, None))
            continue
        fields.append((element, str(value)))
    length = record.get("ContentLength")
    return Entity("document", str(record["Id"]), str(record.get("GewijzigdOp") or ""), deleted,
                  fields=tuple(fields), content_type=None if deleted else record.get("ContentType"),
                  content_length=int(length) if isinstance(length, int) else None)


def feed_xml(data: TkData, base_url: str, category: str, skiptoken: int) -> str:
    """An Atom page of the category's entries after ``skiptoken``, with ``next`` links."""
    chosen = data.page(category, skiptoken)
    entries = "".join(_entry_xml(e, base_url, category, n, data.drift) for n, e in chosen)
    last = chosen[-1][0] if chosen else skiptoken
    more = last < data.size(category)
    nxt = f'<link rel="next" href={quoteattr(_feed_url(base_url, category, last))}/>' if more else ""
    own = _feed_url(base_url, category, skiptoken)
    return (f'<?xml version="1.0" encoding="utf-8"?><!-- {escape(CONSTRUCTED)} -->'
            f'<feed xmlns="{ATOM_NS}"><title>{category}</title><id>{escape(own)}</id>'
            f"<updated>{_atom_time(chosen[-1][1]) if chosen else '2025-10-03T00:00:00Z'}"
            f'</updated><link rel="self" href={quoteattr(own)}/>{nxt}{entries}</feed>')


def _feed_url(base_url: str, category: str, skiptoken: int) -> str:
    return f"{base_url}/SyncFeed/2.0/Feed?category={category}&skiptoken={skiptoken}"


def _entry_xml(entity: Entity, base_url: str, category: str, position: int,
               drift: str | None) -> str:
    prefix = "ns1" if position % 5 == 0 else "tk"
    enclosure = ""
    if entity.kind == "document" and not entity.deleted:
        enclosure = (f'<link rel="enclosure" type="{escape(entity.content_type or "")}" '
                     f'href="{base_url}/SyncFeed/2.0/Resources/{entity.id}"/>')
    note = "<!-- test data: made up by a test, not a recorded fact -->" if entity.test_data else ""
    return (f"<entry>{note}<title>{entity.id}</title>"
            f"<id>{base_url}/SyncFeed/2.0/Entiteiten/{entity.id}</id>"
            f"<author><name>Tweede Kamer der Staten-Generaal</name></author>"
            f"<updated>{_atom_time(entity)}</updated>"
            f'<category term="{entity.kind}"/>'
            f'<link rel="next" href={quoteattr(_feed_url(base_url, category, position))}/>'
            f'{enclosure}<content type="application/xml">'
            f"{entity_xml(entity, prefix, naive=position % 7 == 0, drift=drift)}</content></entry>")


def entity_xml(entity: Entity, prefix: str = "tk", naive: bool = False,
               drift: str | None = None) -> str:
    """The tkData element of one entity (what the XSDs describe)."""
    namespace = CHANGED_NS if drift == "namespace" else TK_NS
    bijgewerkt = entity.bijgewerkt
    if naive and bijgewerkt[-6:-5] in ("+", "-"):
        bijgewerkt = bijgewerkt[:-6]
    attrs = (f'id="{entity.id}" {prefix}:bijgewerkt="{escape(bijgewerkt)}" '
             f'{prefix}:verwijderd="{"true" if entity.deleted else "false"}"')
    if entity.content_type:
        attrs += f' {prefix}:contentType="{escape(entity.content_type)}"'
    if entity.content_length is not None:
        attrs += f' {prefix}:contentLength="{entity.content_length}"'
    body = "".join(f'<{name} ref="{ref}"/>' for name, ref in entity.refs)
    body += "".join(f'<{name} xsi:nil="true"/>' if value is None else
                    f"<{name}>{escape(value)}</{name}>" for name, value in entity.fields)
    return (f'<{entity.kind} xmlns="{namespace}" xmlns:{prefix}="{namespace}" '
            f'xmlns:xsi="{XSI_NS}" {attrs}>{body}</{entity.kind}>')


def _atom_time(entity: Entity) -> str:
    """The entry's Atom ``updated``: the recorded one, else the entity's ``bijgewerkt`` in UTC
    (a naive value is Dutch local time; fractions past microseconds are cut)."""
    if entity.updated is not None:
        return entity.updated
    text = entity.bijgewerkt.replace("Z", "+00:00")
    head, dot, tail = text.partition(".")
    if dot:
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = f"{head}.{tail[:min(digits, 6)]}{tail[digits:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return entity.bijgewerkt
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _stand_in_text(entity: Entity, revision: int) -> str:
    """A stand-in letter built from the record's real fields (no real file was recorded)."""
    lines = [
        "STAND-IN FILE: constructed by the kamerstroom replay server; the real file was not "
        "recorded. Only the fields below are the record's own.",
        "",
        "Aan de Voorzitter van de Tweede Kamer der Staten-Generaal",
        f"Datum {(entity.value('datum') or '')[:10]}",
        f"Betreft {entity.value('onderwerp') or ''}",
        "",
        "Geachte voorzitter,",
        f"Hierbij informeer ik u over: {entity.value('onderwerp') or ''}.",
        f"Dossier: {entity.value('titel') or ''}.",
    ]
    if revision:
        lines.append(f"Herziene versie {revision}.")
    return "\n".join(lines)
