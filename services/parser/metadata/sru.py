"""A KOOP SRU ``record`` (gzd schema). Matched by local name: recordings differ in prefixes,
and one stored record had its namespaces stripped.

The record's ``creator`` is the chamber that published the Kamerstuk ("Tweede Kamer der
Staten-Generaal"), never the ministry: it gives ``chamber`` (with a lettered ondernummer as
further evidence, see ``shared.chamber``) and no ministry is read from the record at all.
"""

from __future__ import annotations

from services.parser.draft import Draft
from services.parser.fields import dates
from services.parser.metadata.kst_metadata import publication_urls
from shared import chamber
from shared.schema import Chamber, Dossier
from shared.xml import local_name, parse_record


def to_draft(content: str) -> Draft:
    """The record fields an SRU record states."""
    root = parse_record(content, "SRU record")
    first: dict[str, str] = {}
    manifestations: dict[str, str] = {}
    for element in root.iter():
        name = local_name(element.tag)
        text = (element.text or "").strip()
        if name == "itemUrl" and element.get("manifestation"):
            manifestations[element.get("manifestation", "")] = text
        elif text:
            first.setdefault(name, text)
    identifier = first.get("identifier")
    draft = Draft(
        title=first.get("documenttitel") or first.get("title"),
        document_date=dates.parse_iso_date(first.get("date")),
        published_at=dates.parse_datetime(first.get("available")),
        ondernummer=first.get("ondernummer"),
        vergaderjaar=first.get("vergaderjaar"),
        chamber=_chamber(first, identifier),
        upstream_kst_id=identifier,
    )
    number = first.get("dossiernummer")
    if number:
        head, _, toevoeging = number.replace(" ", "").partition("-")
        draft.dossier = Dossier(number=head, toevoeging=toevoeging or None)
    urls = publication_urls(identifier) if identifier else {}
    urls.update({k: v for k, v in manifestations.items() if k in ("xml", "html", "pdf")})
    if "metadata" in manifestations:
        urls["metadata"] = manifestations["metadata"]
    draft.urls = urls
    return draft


def _chamber(first: dict[str, str], identifier: str | None) -> Chamber | None:
    numbered = (chamber.from_ondernummer(first["ondernummer"]) if first.get("ondernummer")
                else chamber.from_identifier(identifier))
    return chamber.decide(chamber.from_creator(first.get("creator")), numbered)
