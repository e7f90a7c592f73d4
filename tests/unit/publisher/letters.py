"""Constructed records of one letter as the three feeds give it (not real data).

The officielebekendmakingen (kst XML) record knows the dossier and text; Tweede Kamer's
knows the document number, ministry and subject; rijksoverheid's knows the reference.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from shared.schema import Kamerbrief, NormalisedDocument
from shared.schema.record import Dossier, Ministry, SourceRef, Urls

FETCHED = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
DEFENSIE = Ministry(name="Ministerie van Defensie", code="def")
LETTER_DATE = date(2026, 11, 20)
SUBJECT = "Voortgang van de materieelprojecten"


def kst(**changes: object) -> Kamerbrief:
    """The letter from officielebekendmakingen (kst XML): dossier, title and text."""
    record = Kamerbrief(
        id="kst-36124-3", title="Brief van de minister van Defensie over materieelprojecten",
        document_type="Brief regering", language="nl", document_date=LETTER_DATE,
        dossier=Dossier(number="36124"), ondernummer="3", vergaderjaar="2026-2027",
        body_text="Hierbij informeer ik uw Kamer over de voortgang.",
        urls=Urls(xml="https://example.org/kst-36124-3.xml"),
        sources=[SourceRef(feed="officielebekendmakingen", upstream_id="kst-36124-3",
                           url="https://example.org/kst-36124-3.xml", fetched_at=FETCHED)],
    )
    return record.model_copy(update=changes).with_content_hash()


def tweedekamer(**changes: object) -> Kamerbrief:
    """The same letter from Tweede Kamer's API: document number, ministry, subject, PDF."""
    record = Kamerbrief(
        id="tk-2026D41234", title="Materieelprojecten (TK-titel)", document_date=LETTER_DATE,
        dossier=Dossier(number="36124"), ondernummer="3", document_number="2026D41234",
        ministry=DEFENSIE, subject=SUBJECT,
        urls=Urls(pdf="https://example.org/2026D41234.pdf"),
        sources=[SourceRef(feed="tweedekamer", upstream_id="0f1e2d3c-tk", fetched_at=FETCHED,
                           url="https://example.org/tk/0f1e2d3c-tk")],
    )
    return record.model_copy(update=changes).with_content_hash()


def rijksoverheid(**changes: object) -> Kamerbrief:
    """The same letter from rijksoverheid.nl: no dossier, but the ministry's reference."""
    record = Kamerbrief(
        id="ro-7a8b9c", title="Kamerbrief over materieelprojecten", document_date=LETTER_DATE,
        ministry=DEFENSIE, subject=SUBJECT, reference="BS2026012345",
        urls=Urls(web="https://example.org/ro/kamerbrief-materieel"),
        sources=[SourceRef(feed="rijksoverheid", upstream_id="7a8b9c", fetched_at=FETCHED,
                           url="https://example.org/ro/kamerbrief-materieel")],
    )
    return record.model_copy(update=changes).with_content_hash()


def other_letter(number: str = "7") -> Kamerbrief:
    """An unrelated Kamerstuk."""
    return kst(id=f"kst-31839-{number}", dossier=Dossier(number="31839"), ondernummer=number,
               title=f"Another letter {number}",
               sources=[SourceRef(feed="officielebekendmakingen", upstream_id=f"kst-31839-{number}")])


def document(record: Kamerbrief, *, replay: bool = False) -> NormalisedDocument:
    return NormalisedDocument(record=record, replay=replay)
