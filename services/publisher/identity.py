"""Which letter a record is: matching keys across feeds and the canonical id.

The same letter comes from up to three feeds. Records match when they share a key, best
first: dossier + ondernummer, Tweede Kamer document number, then reference + date +
ministry, then date + ministry + subject when nothing better exists.
"""

from __future__ import annotations

import re

from shared.schema import Kamerbrief

_SPACES = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


def kst_id(record: Kamerbrief) -> str | None:
    """``kst-<dossier>[-<toevoeging>]-<nr>`` when the record knows dossier and ondernummer."""
    if record.dossier is None or not record.ondernummer:
        return None
    parts = ["kst", record.dossier.number]
    if record.dossier.toevoeging:
        parts.append(record.dossier.toevoeging)
    parts.append(record.ondernummer)
    return "-".join(parts)


def identity_keys(record: Kamerbrief) -> list[str]:
    """Every key this record can be matched on, strongest first."""
    keys: list[str] = []
    kst = kst_id(record)
    if kst:
        keys.append(f"kst:{kst.casefold()}")
    if record.document_number:
        keys.append(f"tk:{_norm(record.document_number)}")
    code = record.ministry.code if record.ministry else None
    when = record.document_date.isoformat() if record.document_date else None
    if record.reference and when and code:
        keys.append(f"ref:{_norm(record.reference)}|{when}|{code}")
    if record.subject and when and code:
        keys.append(f"subject:{when}|{code}|{_norm(record.subject)}")
    return keys


def canonical_id(record: Kamerbrief) -> str:
    """The id for a new letter: the Kamerstuk id when known, else the record's own id."""
    return kst_id(record) or record.id
