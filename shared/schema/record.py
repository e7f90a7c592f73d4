"""The canonical record: one ``Kamerbrief`` per letter, whatever feed it came from.

Field names are a public contract (events, webhooks, JSON Schema in ``docs/``).
A field the input does not give is ``None`` (or an empty list), never a guess.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Feed = Literal["officielebekendmakingen", "tweedekamer", "rijksoverheid", "file"]
Chamber = Literal["tk", "ek"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Ministry(_Frozen):
    """A ministry as resolved from the registry: canonical name, lowercase code, TOOI id."""

    name: str
    code: str = Field(description="Lowercase official abbreviation, e.g. 'def', 'ienw'.")
    tooi: str | None = Field(default=None, description="TOOI identifier URI.")


class Dossier(_Frozen):
    """A Kamerstukdossier: number such as '36124', optional toevoeging such as 'XII'."""

    number: str
    toevoeging: str | None = None


class Signatory(_Frozen):
    """One signer of the letter; role normalised in case ('De Minister van Defensie')."""

    name: str | None = None
    role: str | None = None


class Section(_Frozen):
    """A run of body text under one heading (``None`` for text before the first heading)."""

    heading: str | None = None
    text: str


class Footnote(_Frozen):
    """A footnote taken out of the running text."""

    number: str
    text: str


class Citation(_Frozen):
    """A reference to another Kamerstuk, e.g. 'Kamerstuk 33009, nr. 117'.

    ``dossier`` is written without spaces ('32123'); ``toevoeging`` is the dossier's suffix
    ('XVI' in 'Kamerstukken II 2009/10, 32 123 XVI, nr. 30'), ``None`` when there is none.
    """

    dossier: str
    toevoeging: str | None = None
    ondernummer: str | None = None


class Attachment(_Frozen):
    """An attachment (bijlage) named by the letter or its metadata."""

    title: str | None = None
    url: str | None = None


class Urls(_Frozen):
    """Where the letter can be read, per manifestation."""

    xml: str | None = None
    html: str | None = None
    pdf: str | None = None
    docx: str | None = None
    metadata: str | None = None
    odata: str | None = None
    web: str | None = Field(default=None, description="Human-readable page of the letter.")


class SourceRef(_Frozen):
    """Provenance: which feed gave us which upstream item, when, with what content hash."""

    feed: Feed
    upstream_id: str
    url: str | None = None
    fetched_at: datetime | None = None
    upstream_hash: str | None = None
    upstream_time: datetime | None = Field(
        default=None, description="When the feed says the item last changed, if it says.")


class SameAs(_Frozen):
    """Another identity of the same letter in one of the feeds."""

    feed: Feed
    id: str
    url: str | None = None


class Kamerbrief(_Frozen):
    """One letter from a minister or state secretary to the Tweede Kamer."""

    id: str = Field(description="Stable id: 'kst-36124-3' for a Kamerstuk, else derived.")
    same_as: list[SameAs] = Field(default_factory=list)
    version: int = 1
    title: str | None = None
    subject: str | None = Field(default=None, description="The 'Betreft' line.")
    document_type: str | None = None
    language: str | None = None
    document_date: date | None = None
    published_at: datetime | None = None
    fetched_at: datetime | None = None
    ministry: Ministry | None = None
    addressee: str | None = None
    reference: str | None = Field(default=None, description="Onze referentie / kenmerk.")
    dossier: Dossier | None = None
    ondernummer: str | None = None
    document_number: str | None = Field(default=None, description="Tweede Kamer's, e.g. 2022D26123.")
    vergaderjaar: str | None = None
    chamber: Chamber | None = Field(default=None, description=(
        "The chamber the letter is addressed to: 'tk' (Tweede Kamer) or 'ek' (Eerste Kamer, "
        "whose Kamerstukken have lettered ondernummers such as kst-36867-B)."))
    signatories: list[Signatory] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    body_text: str | None = None
    footnotes: list[Footnote] = Field(default_factory=list)
    cites: list[Citation] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    urls: Urls = Field(default_factory=Urls)
    sources: list[SourceRef] = Field(default_factory=list)
    content_hash: str | None = None
    warnings: list[str] = Field(default_factory=list)

    def with_content_hash(self) -> Kamerbrief:
        """Return a copy whose ``content_hash`` covers every field that readers see.

        Provenance (``sources``, ``fetched_at``), ``version`` and the hash itself are left
        out, so the same letter fetched twice hashes the same.
        """
        return self.model_copy(update={"content_hash": self.compute_content_hash()})

    def compute_content_hash(self) -> str:
        """SHA-256 over the canonical JSON of the content fields."""
        payload = self.model_dump_json(
            exclude={"sources", "fetched_at", "version", "content_hash", "same_as", "warnings"}
        )
        return "sha256:" + hashlib.sha256(payload.encode()).hexdigest()
