"""Tweede Kamer SyncFeed and OData responses built from real OData Document records.

See recordings/PROVENANCE.md: the Document records are real; the Atom pages, the
DocumentActor and Kamerstukdossier details and the enclosure files are constructed.

Feed order is change order: the recorded pages (ordered newest change first) are reversed,
so entry ``n`` (1-based) has skiptoken ``n`` and a page resumes after the given skiptoken.
Quirks of the real feed are reproduced on purpose: every fifth entry uses the ``ns1:``
attribute prefix instead of ``tk:``, every seventh has a naive ``bijgewerkt`` timestamp.
"""

from __future__ import annotations

import json
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from kamerstroom.feedserver.documents import docx_bytes, pdf_bytes

TK_NS = "http://www.tweedekamer.nl/xsd/tkData/v1-0"
ATOM_NS = "http://www.w3.org/2005/Atom"
PAGE_SIZE = 50
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LETTER = "Brief regering"
# Constructed signers (the recordings hold no DocumentActor): a function per ministry.
FUNCTIES = (
    "minister van Binnenlandse Zaken en Koninkrijksrelaties",
    "minister van Defensie",
    "staatssecretaris van Infrastructuur en Waterstaat",
    "minister van Financiën",
    "minister van Volksgezondheid, Welzijn en Sport",
)


@dataclass
class Entry:
    """One SyncFeed entry: a Document record (``Verwijderd`` true makes it a tombstone)."""

    record: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.record["Id"])

    @property
    def deleted(self) -> bool:
        return bool(self.record.get("Verwijderd"))


@dataclass
class TkData:
    """The replayed Tweede Kamer state: feed entries in change order, and enclosure files."""

    entries: list[Entry] = field(default_factory=list)
    revisions: dict[str, int] = field(default_factory=dict)

    def latest(self, document_id: str) -> Entry | None:
        return next((e for e in reversed(self.entries) if e.id == document_id), None)

    @property
    def letters(self) -> list[str]:
        """Ids of the live "Brief regering" documents (each once)."""
        live = {e.id: e for e in self.entries}
        return [i for i, e in live.items() if not e.deleted and e.record.get("Soort") == LETTER]

    def withdraw(self, document_id: str) -> None:
        """Append a tombstone for ``document_id`` (as a deletion upstream would)."""
        self.entries.append(Entry({"Id": document_id, "Verwijderd": True,
                                   "GewijzigdOp": "2025-10-03T09:00:00+02:00"}))

    def revise(self, document_id: str) -> None:
        """Re-emit ``document_id`` with a changed enclosure (a new revision upstream)."""
        self.reemit(document_id)
        self.revisions[document_id] = self.revisions.get(document_id, 0) + 1

    def reemit(self, document_id: str) -> None:
        """Re-emit ``document_id`` unchanged with a new timestamp (an upstream data fix)."""
        latest = self.latest(document_id)
        if latest is None:
            raise KeyError(document_id)
        self.entries.append(Entry({**latest.record, "GewijzigdOp": "2025-10-03T10:00:00+02:00"}))

    def enclosure(self, document_id: str) -> tuple[bytes, str] | None:
        """The constructed file of a live document and its content type."""
        entry = self.latest(document_id)
        if entry is None or entry.deleted:
            return None
        text = _letter_text(entry.record, self.revisions.get(document_id, 0))
        if entry.record.get("ContentType") == DOCX:
            return docx_bytes(text), DOCX
        return pdf_bytes(text, title=str(entry.record.get("Onderwerp") or "")), "application/pdf"


def load(folder: Path) -> TkData:
    """Entries from the recorded Document pages (page 11 is older than page 10)."""
    pages = sorted(folder.glob("odata-v4-Document-value-page*.json"),
                   key=lambda p: int(p.stem.rsplit("page", 1)[1]), reverse=True)
    entries: list[Entry] = []
    for page in pages:
        records = json.loads(page.read_text(encoding="utf-8"))
        entries.extend(Entry(r) for r in reversed(records))
    return TkData(entries)


def feed_xml(data: TkData, base_url: str, skiptoken: int, page_size: int = PAGE_SIZE) -> str:
    """An Atom page of the entries after ``skiptoken``, with ``next`` links."""
    chosen = data.entries[skiptoken:skiptoken + page_size]
    entries = "".join(_entry_xml(e, base_url, skiptoken + i + 1) for i, e in enumerate(chosen))
    last = skiptoken + len(chosen)
    more = last < len(data.entries)
    nxt = f'<link rel="next" href={quoteattr(_feed_url(base_url, last))}/>' if more else ""
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="{ATOM_NS}">'
            f"<title>SyncFeed Document</title><id>{escape(_feed_url(base_url, skiptoken))}</id>"
            f"<updated>2025-10-02T23:59:00+02:00</updated>"
            f'<link rel="self" href={quoteattr(_feed_url(base_url, skiptoken))}/>{nxt}'
            f"{entries}</feed>")


def _feed_url(base_url: str, skiptoken: int) -> str:
    return f"{base_url}/SyncFeed/2.0/Feed?category=Document&skiptoken={skiptoken}"


def _entry_xml(entry: Entry, base_url: str, position: int) -> str:
    record = entry.record
    prefix = "ns1" if position % 5 == 0 else "tk"
    updated = str(record.get("GewijzigdOp") or "")
    bijgewerkt = updated[:-6] if position % 7 == 0 and updated[-6:-5] in "+-" else updated
    attrs = (f'id="{entry.id}" {prefix}:bijgewerkt="{bijgewerkt}" '
             f'{prefix}:verwijderd="{"true" if entry.deleted else "false"}"')
    enclosure = ""
    fields = ""
    if not entry.deleted:
        attrs += (f' {prefix}:contentType="{record.get("ContentType") or ""}"'
                  f' {prefix}:contentLength="{record.get("ContentLength") or 0}"')
        enclosure = (f'<link rel="enclosure" type="{record.get("ContentType") or ""}" '
                     f'href="{base_url}/SyncFeed/2.0/Resources/{entry.id}"/>')
        fields = _fields_xml(record)
    return (f"<entry><title>{entry.id}</title><id>{base_url}/SyncFeed/2.0/Entities/{entry.id}</id>"
            f"<updated>{updated}</updated>{enclosure}"
            f'<link rel="next" href={quoteattr(_feed_url(base_url, position))}/>'
            f'<category term="Document"/><content type="application/xml">'
            f'<document xmlns="{TK_NS}" xmlns:{prefix}="{TK_NS}" {attrs}>{fields}</document>'
            f"</content></entry>")


def _fields_xml(record: dict[str, Any]) -> str:
    values = {"soort": record.get("Soort"), "onderwerp": record.get("Onderwerp"),
              "titel": record.get("Titel"), "datum": record.get("Datum"),
              "documentNummer": record.get("DocumentNummer"),
              "volgnummer": record.get("Volgnummer"), "vergaderjaar": record.get("Vergaderjaar"),
              "datumOntvangst": record.get("DatumOntvangst")}
    xml = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in values.items() if v is not None)
    if record.get("Soort") == LETTER:
        xml += f'<kamerstukdossier ref="{_dossier(record)["Id"]}"/>'
    return xml


def odata_document(data: TkData, base_url: str, document_id: str) -> dict[str, Any] | None:
    """``Document(<id>)?$expand=DocumentActor,Kamerstukdossier`` as the OData JSON body."""
    entry = data.latest(document_id)
    if entry is None:
        return None
    body: dict[str, Any] = {
        "@odata.context": f"{base_url}/OData/v4/2.0/$metadata#Document"
                          "(DocumentActor(),Kamerstukdossier())/$entity",
        **entry.record,
    }
    letter = entry.record.get("Soort") == LETTER
    body["DocumentActor"] = [_actor(entry.record)] if letter else []
    body["Kamerstukdossier"] = [_dossier(entry.record)] if letter else []
    return body


def _stable_uuid(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "kamerstroom-constructed:" + ":".join(map(str, parts))))


def _actor(record: dict[str, Any]) -> dict[str, Any]:
    functie = FUNCTIES[zlib.crc32(str(record["Id"]).encode()) % len(FUNCTIES)]
    return {"Id": _stable_uuid("actor", record["Id"]), "Document_Id": record["Id"],
            "ActorNaam": "Constructed Ondertekenaar", "ActorFractie": None, "Functie": functie,
            "Relatie": "Eerste ondertekenaar", "SidActor": None,
            "GewijzigdOp": record.get("GewijzigdOp"), "ApiGewijzigdOp": record.get("ApiGewijzigdOp"),
            "Verwijderd": False, "Persoon_Id": None, "Fractie_Id": None, "Commissie_Id": None}


def _dossier(record: dict[str, Any]) -> dict[str, Any]:
    titel = str(record.get("Titel") or "")
    nummer = 30000 + zlib.crc32(titel.encode()) % 6000  # constructed: no real number recorded
    return {"Id": _stable_uuid("dossier", titel), "Titel": titel or None, "Citeertitel": None,
            "Alias": None, "Nummer": nummer, "Toevoeging": None,
            "HoogsteVolgnummer": record.get("Volgnummer"), "Afgesloten": False,
            "Kamer": "Tweede Kamer", "GewijzigdOp": record.get("GewijzigdOp"),
            "ApiGewijzigdOp": record.get("ApiGewijzigdOp"), "Verwijderd": False}


def _letter_text(record: dict[str, Any], revision: int) -> str:
    """A short constructed letter from the real record's fields (no real text was recorded)."""
    lines = [
        "Aan de Voorzitter van de Tweede Kamer der Staten-Generaal",
        f"Datum {str(record.get('Datum') or '')[:10]}",
        f"Betreft {record.get('Onderwerp') or ''}",
        f"Kenmerk {record.get('DocumentNummer') or ''}",
        "",
        "Geachte voorzitter,",
        f"Hierbij informeer ik u over: {record.get('Onderwerp') or ''}.",
        f"Dossier: {record.get('Titel') or ''}.",
        "(Constructed enclosure: the real file was not recorded.)",
    ]
    if revision:
        lines.append(f"Herziene versie {revision}.")
    return "\n".join(lines)
