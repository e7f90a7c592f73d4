"""Reading Tweede Kamer SyncFeed pages: Atom entries and the tkData entity in their ``content``.

Pure functions, no I/O: the poll and ``inspect`` both read responses with them.

The contract (the official tkData v1-0 XSDs): an entity element in the namespace
``TK_NS`` whose ``id`` and ``ref`` attributes are unqualified and whose ``bijgewerkt``,
``verwijderd``, ``contentType`` and ``contentLength`` attributes are namespace-qualified
(the prefix is ``tk:`` or ``ns1:``, so attributes are read by local name); nil values are
``xsi:nil="true"``; relations are child elements with a ``ref`` attribute. The Atom
envelope (``title``, ``updated``, ``category``, ``link rel="next"`` with the entry's
``skiptoken``, ``link rel="enclosure"``) is not in the XSDs.

Deviations are reported as ``Drift`` with a closed ``kind`` (see ``ENTRY_DRIFT``); a page
that is not an Atom feed at all raises ``FeedDrift`` (see ``PAGE_DRIFT``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from lxml import etree
from yarl import URL

from services.fetcher.sources.base import Drift
from services.fetcher.xml import SAFE_PARSER
from shared.errors import FeedDrift

TK_NS = "http://www.tweedekamer.nl/xsd/tkData/v1-0"
ATOM_NS = "http://www.w3.org/2005/Atom"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# Feed category (query parameter) -> the entity element it holds.
DOCUMENT, ACTOR, DOSSIER = "Document", "DocumentActor", "Kamerstukdossier"
ENTITY_OF = {DOCUMENT: "document", ACTOR: "documentActor", DOSSIER: "kamerstukdossier"}

# Whole-response drift (raised as FeedDrift).
PAGE_DRIFT = {
    "feed-gone": "the feed endpoint answers 404 or 410",
    "feed-status": "the feed answers another unexpected HTTP status",
    "not-atom": "the answer is not XML, or its root is not an Atom feed",
    "feed-namespace": "the feed root is not in the Atom namespace",
    "page-unreadable": "every entry of a page drifts (e.g. a renamed tkData namespace)",
}
# One-entry drift (yielded as Drift; the walk goes on).
ENTRY_DRIFT = {
    "entry-without-content": "an entry without content, or content without an entity",
    "entry-without-skiptoken": "an entry without a next link carrying its skiptoken",
    "atom-namespace-missing": "an entry outside the Atom namespace (a recorder stripped it)",
    "entity-namespace-missing": "an entity in no namespace (a recorder stripped it)",
    "entity-unknown-namespace": "an entity in a namespace other than tkData v1-0",
    "entity-without-id": "an entity without its id attribute",
    "entity-without-bijgewerkt": "an entity without bijgewerkt, or one that is not a time",
    "unexpected-entity": "an entity of another kind than the category asked for",
    "document-without-soort": "a live Document without soort",
    "actor-without-document": "a live DocumentActor without its document ref",
    "entity-without-entry": "an entity outside an Atom entry (a recorder kept only the payload)",
}
# Drift that makes an entry unusable (the others are reported and the entry is read).
_UNUSABLE = {"entry-without-content", "entity-unknown-namespace", "entity-without-id",
             "entity-without-bijgewerkt", "unexpected-entity", "actor-without-document"}


@dataclass(frozen=True)
class Entity:
    """One tkData entity, every attribute and child read by local name."""

    kind: str
    namespace: str | None
    id: str | None
    deleted: bool
    bijgewerkt: str | None  # UTC ISO; a naive upstream value is Dutch local time
    attrs: dict[str, str]
    fields: dict[str, str | None]  # child -> stripped text; None for xsi:nil or empty
    refs: dict[str, list[str]]  # relation child -> the ids it refers to
    text: str

    def field(self, name: str) -> str | None:
        return self.fields.get(name)

    def ref(self, name: str) -> str | None:
        found = self.refs.get(name)
        return found[0] if found else None


@dataclass(frozen=True)
class Entry:
    """One Atom entry and its entity; ``drift`` lists its deviations from the contract."""

    title: str | None
    entity_url: str | None
    updated: str | None  # UTC ISO, the feed's own time of the entry
    skiptoken: int | None
    enclosure: str | None
    entity: Entity | None
    text: str
    drift: list[Drift] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """True when the entity can be acted on (drift that only warns still allows it)."""
        return self.entity is not None and not any(d.kind in _UNUSABLE for d in self.drift)

    @property
    def id(self) -> str | None:
        return self.entity.id if self.entity is not None and self.entity.id else self.title

    @property
    def time(self) -> str | None:
        """The entry's place in change order: the Atom ``updated``, else ``bijgewerkt``."""
        return self.updated or (self.entity.bijgewerkt if self.entity else None)


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    next_token: int | None

    @property
    def end_token(self) -> int | None:
        """Where the next page starts: the feed's next link, else the last entry's token."""
        if self.next_token is not None:
            return self.next_token
        return next((e.skiptoken for e in reversed(self.entries) if e.skiptoken), None)


def parse_page(body: bytes, url: str, category: str) -> Page:
    """The entries of one feed page; ``FeedDrift`` when the answer is not a SyncFeed page."""
    root = parse_xml(body, url)
    name = etree.QName(root)
    if name.localname != "feed":
        raise FeedDrift("not-atom", f"the SyncFeed answered <{name.localname}>", url)
    if name.namespace != ATOM_NS:
        raise FeedDrift("feed-namespace", f"feed root in {name.namespace or 'no namespace'}", url)
    next_link = next((link.get("href") for link in root.findall(f"{{{ATOM_NS}}}link")
                      if link.get("rel") == "next"), None)
    entries = [read_entry(e, url, ENTITY_OF.get(category)) for e in root.findall("{*}entry")]
    if entries and not any(e.usable for e in entries):
        first = entries[0].drift[0] if entries[0].drift else Drift("page-unreadable", "", url)
        raise FeedDrift("page-unreadable",
                        f"no entry of the page is readable; first: {first.kind} {first.detail}", url)
    return Page(entries, skiptoken_of(next_link))


def parse_xml(body: bytes, url: str) -> etree._Element:
    try:
        return etree.fromstring(body, SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise FeedDrift("not-atom", f"the SyncFeed answer is not XML: {exc}", url) from exc


def read_entry(element: etree._Element, url: str, expected: str | None) -> Entry:
    """One entry; ``expected`` is the entity element its category holds (``None``: any)."""
    drift: list[Drift] = []
    title = _text(element.find("{*}title"))
    where = f"{url} entry {title or '?'}"
    if etree.QName(element).namespace is None:
        drift.append(Drift("atom-namespace-missing", f"{where}: <entry> has no namespace", url))
    links = {link.get("rel"): link.get("href") for link in element.findall("{*}link")}
    token = skiptoken_of(links.get("next"))
    if token is None:
        drift.append(Drift("entry-without-skiptoken", f"{where}: no next link", url))
    content = element.find("{*}content")
    payload = next((c for c in content if isinstance(c.tag, str)), None) if content is not None else None
    entity = read_entity(payload) if payload is not None else None
    if entity is None:
        drift.append(Drift("entry-without-content", f"{where}: no entity in content", url))
    else:
        drift.extend(entity_drift(entity, where, url, expected))
    return Entry(title=title, entity_url=_text(element.find("{*}id")),
                 updated=normalise_timestamp(_text(element.find("{*}updated"))), skiptoken=token,
                 enclosure=links.get("enclosure"), entity=entity,
                 text=etree.tostring(element, encoding="unicode"), drift=drift)


def read_entity(element: etree._Element) -> Entity:
    """A tkData entity element (any namespace), read by local name."""
    attrs = {etree.QName(k).localname: str(v) for k, v in element.attrib.items()}
    fields: dict[str, str | None] = {}
    refs: dict[str, list[str]] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        if child.get("ref") is not None:
            refs.setdefault(name, []).append(str(child.get("ref")))
            continue
        nil = (child.get(f"{{{XSI_NS}}}nil") or child.get("nil") or "").lower() == "true"
        fields[name] = None if nil else ((child.text or "").strip() or None)
    qname = etree.QName(element)
    return Entity(kind=qname.localname, namespace=qname.namespace, id=attrs.get("id") or None,
                  deleted=attrs.get("verwijderd", "false").strip().lower() == "true",
                  bijgewerkt=_utc_or_none(attrs.get("bijgewerkt")), attrs=attrs, fields=fields,
                  refs=refs, text=etree.tostring(element, encoding="unicode"))


def entity_drift(entity: Entity, where: str, url: str | None, expected: str | None) -> list[Drift]:
    """The deviations of one entity from the tkData contract."""
    found: list[Drift] = []

    def add(kind: str, detail: str) -> None:
        found.append(Drift(kind, f"{where}: {detail}", url))

    if entity.namespace is None:
        add("entity-namespace-missing", f"<{entity.kind}> has no namespace")
    elif entity.namespace != TK_NS:
        add("entity-unknown-namespace", f"<{entity.kind}> is in {entity.namespace}")
    if entity.id is None:
        add("entity-without-id", f"<{entity.kind}> has no id")
    if entity.bijgewerkt is None:
        add("entity-without-bijgewerkt", f"<{entity.kind}> bijgewerkt={entity.attrs.get('bijgewerkt')!r}")
    if expected is not None and entity.kind != expected:
        add("unexpected-entity", f"<{entity.kind}> in the {expected} category")
    if not entity.deleted and entity.kind == "document" and not entity.field("soort"):
        add("document-without-soort", "a live Document without soort")
    if not entity.deleted and entity.kind == "documentActor" and not entity.ref("document"):
        add("actor-without-document", "a live DocumentActor without <document ref>")
    return found


def skiptoken_of(href: str | None) -> int | None:
    if not href:
        return None
    value = URL(href).query.get("skiptoken", "")
    return int(value) if value.isdigit() else None


def normalise_timestamp(value: str | None) -> str | None:
    """An ISO timestamp in UTC; a naive one is read as Dutch local time; junk stays as is."""
    if not value:
        return None
    moment = parse_time(value)
    return moment.isoformat() if moment is not None else value.strip()


def parse_time(value: str | None) -> datetime | None:
    """An aware UTC datetime, or ``None`` if ``value`` is not an ISO timestamp.

    Seven fractional digits (``.1495901Z``, seen in a real entry) are cut to six.
    """
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    head, dot, tail = text.partition(".")
    if dot:
        digits = len(tail) - len(tail.lstrip("0123456789"))
        tail = tail[:min(digits, 6)] + tail[digits:]
        text = f"{head}.{tail}" if tail and tail[0].isdigit() else head + tail
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return moment.astimezone(UTC)


def _utc_or_none(value: str | None) -> str | None:
    moment = parse_time(value)
    return moment.isoformat() if moment is not None else None


def _text(element: etree._Element | None) -> str | None:
    return (element.text or "").strip() or None if element is not None else None
