"""rijksoverheid.nl open data responses, constructed around three real letter texts.

No response of the open data API was recorded: the JSON structure below follows the
documented API (``/v1/sources/rijksoverheid/documents`` with ``rows``/``offset``, newest
first, ``output=json``) and is constructed; the letters' texts are real (see
recordings/PROVENANCE.md) and served as constructed PDFs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kamerstroom.feedserver.documents import pdf_bytes


@dataclass(frozen=True)
class RoDocument:
    """One rijksoverheid.nl document: its metadata and the file holding the letter text."""

    id: str
    title: str
    available: str
    organisation: str
    text_file: str

    def item(self, base_url: str) -> dict[str, Any]:
        """The list entry, as ``/documents`` shows it."""
        return {"id": self.id, "type": "Kamerstuk", "title": self.title,
                "canonical": f"https://www.rijksoverheid.nl/documenten/kamerstukken/{self.id}",
                "dataurl": f"{base_url}/v1/documents/{self.id}",
                "available": self.available, "lastmodified": self.available}

    def detail(self, base_url: str) -> dict[str, Any]:
        """The document itself, as its ``dataurl`` shows it, with the file to fetch."""
        return {**self.item(base_url), "organisationalunits": [self.organisation],
                "kamerstuktype": "Kamerbrief",
                "files": [{"fileurl": f"{base_url}/v1/documents/{self.id}/file.pdf",
                           "filename": f"{Path(self.text_file).stem}.pdf",
                           "mimetype": "application/pdf"}]}


# Title, date and ministry as printed in each real letter (newest first).
_LETTERS = (
    ("Kamerbrief_circulaire_economie.txt", "2023-02-03T10:00:00",
     "Nationaal Programma Circulaire Economie 2023-2030 (NPCE) incl. kabinetsreactie op ICER "
     "en SER-verkenning", "Ministerie van Infrastructuur en Waterstaat"),
    ("Kamerbrief_water_en_Bodem.txt", "2022-11-25T10:00:00", "Water en Bodem sturend",
     "Ministerie van Infrastructuur en Waterstaat"),
    ("Kamerbrief_defensie_navo_dmm_2022.md", "2022-06-22T10:00:00",
     "Verslag bijeenkomst NAVO-ministers van Defensie op 15 en 16 juni 2022 in Brussel",
     "Ministerie van Defensie"),
)


def load(folder: Path) -> list[RoDocument]:
    """The documents whose text is in ``folder``, newest first."""
    return [RoDocument(str(uuid.uuid5(uuid.NAMESPACE_URL, f"kamerstroom-constructed:ro:{name}")),
                       title, available, organisation, name)
            for name, available, title, organisation in _LETTERS if (folder / name).exists()]


def page(documents: list[RoDocument], base_url: str, offset: int, rows: int) -> list[dict[str, Any]]:
    """One page of list entries."""
    return [d.item(base_url) for d in documents[offset:offset + rows]]


def pdf(document: RoDocument, folder: Path) -> bytes:
    """The letter as a constructed PDF of its real text."""
    return pdf_bytes((folder / document.text_file).read_text(encoding="utf-8"), document.title)
