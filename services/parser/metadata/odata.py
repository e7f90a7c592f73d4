"""A Tweede Kamer OData ``Document`` (JSON), optionally with ``DocumentActor`` and
``Kamerstukdossier`` expanded: the envelopes fetchers queued before the API version it came
from was switched off (1 October 2026). Still read so that those queued at the upgrade are
not lost; nothing sends new ones, and no link to the retired API is made.

Field meanings (from the API's documentation): ``Titel`` is the *dossier* title, so it is not
the letter's title; ``Onderwerp`` is the letter's subject; ``Organisatie`` is always the Kamer,
the ministry comes from the first signer's ``Functie`` in ``DocumentActor``.
"""

from __future__ import annotations

import json
from typing import Any

from services.parser.draft import Draft
from services.parser.fields import dates, ministries
from shared.errors import Unprocessable
from shared.schema import Dossier, Ministry, Signatory


def load(content: str) -> dict[str, Any]:
    """The Document object (a bare entity, or the first of a ``value`` list)."""
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise Unprocessable("malformed-metadata", f"OData JSON: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("value"), list) and data["value"]:
        data = data["value"][0]
    if not isinstance(data, dict):
        raise Unprocessable("malformed-metadata", "OData Document is not a JSON object")
    return data


def to_draft(content: str) -> Draft:
    """The record fields an OData Document states."""
    doc = load(content)
    draft = Draft(
        subject=_text(doc.get("Onderwerp")),
        document_type=_text(doc.get("Soort")),
        document_date=dates.parse_iso_date(_text(doc.get("Datum"))),
        document_number=_text(doc.get("DocumentNummer")),
        vergaderjaar=_text(doc.get("Vergaderjaar")),
        reference=_text(doc.get("KenmerkAfzender")),
        tk_guid=_text(doc.get("Id")),
    )
    volgnummer = doc.get("Volgnummer")
    if isinstance(volgnummer, int) and volgnummer > 0:
        draft.ondernummer = str(volgnummer)
    draft.dossier = _dossier(doc.get("Kamerstukdossier"))
    draft.signatories, draft.ministry = _actors(doc.get("DocumentActor"))
    draft.chamber = "tk"
    return draft


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _dossier(value: object) -> Dossier | None:
    item = value[0] if isinstance(value, list) and value else value
    if not isinstance(item, dict) or item.get("Nummer") in (None, ""):
        return None
    return Dossier(number=str(item["Nummer"]), toevoeging=_text(item.get("Toevoeging")))


def _actors(value: object) -> tuple[list[Signatory], Ministry | None]:
    if not isinstance(value, list):
        return [], None
    signers: list[Signatory] = []
    ministry = None
    for actor in value:
        if not isinstance(actor, dict) or "ondertekenaar" not in str(actor.get("Relatie", "")):
            continue
        role = _text(actor.get("Functie"))
        signers.append(Signatory(name=_text(actor.get("ActorNaam")), role=role))
        ministry = ministry or ministries.from_portfolio(role or "")
    return signers, ministry
