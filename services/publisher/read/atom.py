"""Atom 1.0 (RFC 4287) feeds of letters, built with lxml in the Atom namespace.

One entry per letter (its current version): title, the subject, the ministry (author and
category), the letter's date, a text summary, and ``alternate`` links to the official PDF
and HTML (``related`` for the XML); a letter without any gets an ``alternate`` link to its
record in the read API, as RFC 4287 wants one. The output depends on the letters only, so
the same letters give the same bytes (and the same ETag).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from services.publisher.read.store import Listed

ATOM = "http://www.w3.org/2005/Atom"
EPOCH = "1970-01-01T00:00:00Z"
_A = f"{{{ATOM}}}"
# Characters XML 1.0 cannot hold (text from PDFs has form feeds and the like): dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class FeedInfo:
    """The feed's own data: its URL (``self``), its title and the server's base URL."""

    self_url: str
    title: str
    base_url: str


def render(info: FeedInfo, letters: Sequence[Listed]) -> bytes:
    """The feed document as UTF-8 bytes."""
    feed = etree.Element(_A + "feed", nsmap={None: ATOM})  # type: ignore[dict-item]  # default ns
    _text(feed, "id", f"tag:kamerstroom.nl,2026:feed:{info.self_url.partition('/feeds/')[2]}")
    _text(feed, "title", info.title)
    _text(feed, "updated", max((item.updated_at for item in letters), default=EPOCH))
    _link(feed, "self", info.self_url, "application/atom+xml")
    _link(feed, "alternate", f"{info.base_url}/feeds", "text/html")
    author = etree.SubElement(feed, _A + "author")
    _text(author, "name", "kamerstroom")
    _text(feed, "generator", "kamerstroom")
    for item in letters:
        _entry(feed, info, item)
    return bytes(etree.tostring(feed, xml_declaration=True, encoding="utf-8"))


def _entry(feed: etree._Element, info: FeedInfo, item: Listed) -> None:
    record = item.record()
    entry = etree.SubElement(feed, _A + "entry")
    _text(entry, "id", f"tag:kamerstroom.nl,2026:kamerbrief:{item.letter_id}")
    _text(entry, "title", record.get("title") or record.get("subject") or item.letter_id)
    _text(entry, "published", item.first_at)
    _text(entry, "updated", item.updated_at)
    ministry = record.get("ministry") or {}
    author = etree.SubElement(entry, _A + "author")
    _text(author, "name", ministry.get("name") or "Rijksoverheid")
    if ministry:
        etree.SubElement(entry, _A + "category", term=f"ministry:{ministry['code']}",
                         label=ministry["name"])
    dossier = (record.get("dossier") or {}).get("number")
    if dossier:
        etree.SubElement(entry, _A + "category", term=f"dossier:{dossier}", label=f"Dossier {dossier}")
    if not _official_links(entry, record.get("urls") or {}):
        _link(entry, "alternate", f"{info.base_url}/v1/kamerbrieven/{item.letter_id}", "application/json")
    _link(entry, "via", f"{info.base_url}/v1/kamerbrieven/{item.letter_id}", "application/json")
    _text(entry, "summary", summary(record))


def summary(record: dict[str, Any]) -> str:
    """One paragraph: the subject, the ministry, the letter's date and dossier."""
    parts = []
    if record.get("subject"):
        parts.append(f"Betreft: {record['subject']}.")
    ministry = (record.get("ministry") or {}).get("name")
    when = record.get("document_date")
    if ministry or when:
        parts.append(", ".join(p for p in (ministry, f"brief van {when}" if when else None) if p) + ".")
    dossier = record.get("dossier") or {}
    if dossier.get("number"):
        number = " ".join(filter(None, (dossier["number"], dossier.get("toevoeging"))))
        nr = f", nr. {record['ondernummer']}" if record.get("ondernummer") else ""
        parts.append(f"Kamerstuk {number}{nr}.")
    return " ".join(parts) or str(record.get("id", ""))


def _official_links(entry: etree._Element, urls: dict[str, Any]) -> bool:
    """The official manifestations as links; whether any ``alternate`` was written."""
    alternates = [(urls.get("pdf"), "application/pdf"), (urls.get("html") or urls.get("web"), "text/html")]
    written = False
    for href, kind in alternates:
        if href:
            _link(entry, "alternate", href, kind)
            written = True
    if urls.get("xml"):
        _link(entry, "related", urls["xml"], "application/xml")
    return written


def _text(parent: etree._Element, name: str, value: str) -> None:
    etree.SubElement(parent, _A + name).text = _NOT_XML.sub("", value)


def _link(parent: etree._Element, rel: str, href: str, kind: str) -> None:
    etree.SubElement(parent, _A + "link", rel=rel, href=href, type=kind)
