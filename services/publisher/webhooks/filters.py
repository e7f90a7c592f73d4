"""Which events an endpoint wants: by event type, ministry, chamber, dossier, citation and keyword.

Each non-empty list must match (AND across lists, OR within one); an empty filter matches
every event.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.publisher.identity import kst_id
from shared.schema import Chamber, CloudEvent, EventKind
from shared.schema.events import EVENT_TYPES


class EndpointFilter(BaseModel):
    """An endpoint's subscription."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_types: list[str] = Field(default_factory=list,
                                   description="e.g. nl.kamerstroom.kamerbrief.published")
    ministries: list[str] = Field(default_factory=list, description="Ministry codes, e.g. 'def'.")
    chambers: list[Chamber] = Field(default_factory=list, description=(
        "'tk' (Tweede Kamer) or 'ek' (Eerste Kamer); a record whose chamber is unknown "
        "matches no chamber filter."))
    dossiers: list[str] = Field(default_factory=list, description="Dossier numbers, e.g. '36124'.")
    keywords: list[str] = Field(default_factory=list, description="Words in the title or subject.")
    cites: list[str] = Field(default_factory=list, description=(
        "Dossier numbers, e.g. '36124': letters that cite a Kamerstuk of one of them "
        "(the record's cites[].dossier)."))

    @field_validator("event_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        """Accept full types and their last word ('published'); store full types."""
        out = []
        for item in value:
            if item in EVENT_TYPES:
                full = item
            elif item in {k.value for k in EventKind}:
                full = EventKind(item).event_type
            else:
                raise ValueError(f"unknown event type {item!r}; known: {', '.join(EVENT_TYPES)}")
            out.append(full)
        return out

    @field_validator("chambers", mode="before")
    @classmethod
    def _chamber_codes(cls, value: object) -> object:
        """'TK ' is 'tk'; anything but tk/ek is then refused, naming the two codes."""
        if isinstance(value, list):
            return [v.strip().casefold() if isinstance(v, str) else v for v in value]
        return value

    @field_validator("ministries", "keywords", "dossiers")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [v.strip().casefold() for v in value if v.strip()]

    @field_validator("cites")
    @classmethod
    def _numbers(cls, value: list[str]) -> list[str]:
        """'36 124' is '36124', as a citation's dossier is written."""
        return [v.replace(" ", "").casefold() for v in value if v.strip()]

    def matches(self, event: CloudEvent) -> bool:
        """Whether ``event`` passes every non-empty list."""
        record = event.data
        if self.event_types and event.type not in self.event_types:
            return False
        code = record.ministry.code.casefold() if record.ministry else None
        if self.ministries and code not in self.ministries:
            return False
        if self.chambers and record.chamber not in self.chambers:
            return False
        if self.dossiers and not self._dossier_matches(event):
            return False
        if self.cites and not {c.dossier.replace(" ", "").casefold() for c in record.cites} & set(self.cites):
            return False
        if self.keywords:
            text = " ".join(filter(None, (record.title, record.subject))).casefold()
            return any(word in text for word in self.keywords)
        return True

    def _dossier_matches(self, event: CloudEvent) -> bool:
        record = event.data
        if record.dossier is None:
            return False
        number = record.dossier.number.casefold()
        full = (kst_id(record) or "").casefold()
        return any(d == number or (full and full.startswith(f"kst-{d}")) for d in self.dossiers)
