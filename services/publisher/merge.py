"""One record from many: merge per-feed records by source precedence, and diff versions.

Precedence: the kst XML (officielebekendmakingen), then Tweede Kamer metadata, then the
ministry's publication (rijksoverheid), then anything else. Each field takes the first
non-empty value in that order, so a lower source fills the gaps of a higher one.
"""

from __future__ import annotations

from typing import Any

from shared.schema import Kamerbrief
from shared.schema.record import SameAs, SourceRef, Urls

PRECEDENCE = ("officielebekendmakingen", "tweedekamer", "rijksoverheid", "file")

# Fields the merge computes itself rather than taking from one source.
_DERIVED = {"id", "same_as", "version", "sources", "content_hash", "warnings", "urls", "fetched_at"}
# Fields that change without the letter changing: not reported as changed, no event.
PROVENANCE = {"version", "content_hash", "sources", "fetched_at"}


def feed_of(record: Kamerbrief) -> str:
    """The feed a parsed record came from (its first source), ``file`` when none is named."""
    return record.sources[0].feed if record.sources else "file"


def _rank(record: Kamerbrief) -> int:
    feed = feed_of(record)
    return PRECEDENCE.index(feed) if feed in PRECEDENCE else len(PRECEDENCE)


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == ""


def merge(canonical: str, records: list[Kamerbrief]) -> Kamerbrief:
    """The canonical record for ``canonical`` from each feed's latest record of it."""
    if len(records) == 1:
        return _merge_one(canonical, records[0])
    return _merge_many(canonical, records)


def _merge_one(canonical: str, record: Kamerbrief) -> Kamerbrief:
    """``_merge_many`` of a single record, without validating the whole record again.

    Most letters come from one feed; rebuilding and re-hashing a record that only gets its
    id, aliases and provenance set was about a tenth of the publisher's work per letter.
    """
    urls = Urls(**{name: getattr(record.urls, name) or None for name in Urls.model_fields})
    merged = record.model_copy(update={
        "id": canonical, "same_as": _same_as([record]), "sources": _sources([record]),
        "urls": urls, "warnings": sorted(set(record.warnings)),
        "version": Kamerbrief.model_fields["version"].get_default(call_default_factory=True),
    })
    if record.content_hash and canonical == record.id and urls == record.urls:
        return merged  # the hash covers neither aliases, provenance nor warnings
    return merged.with_content_hash()


def _merge_many(canonical: str, records: list[Kamerbrief]) -> Kamerbrief:
    ordered = sorted(records, key=_rank)
    fields: dict[str, Any] = {}
    for name in Kamerbrief.model_fields:
        if name in _DERIVED:
            continue
        fields[name] = next((getattr(r, name) for r in ordered if not _empty(getattr(r, name))),
                            getattr(ordered[0], name))
    urls: dict[str, Any] = {}
    for name in Urls.model_fields:
        urls[name] = next((getattr(r.urls, name) for r in ordered if getattr(r.urls, name)), None)
    fetched = [r.fetched_at for r in ordered if r.fetched_at]
    merged = Kamerbrief(
        id=canonical, same_as=_same_as(ordered), sources=_sources(ordered), urls=Urls(**urls),
        warnings=sorted({w for r in ordered for w in r.warnings}),
        fetched_at=max(fetched) if fetched else None, **fields,
    )
    return merged.with_content_hash()


def _same_as(records: list[Kamerbrief]) -> list[SameAs]:
    """Every feed's own id and URL of the letter, in precedence order, without duplicates."""
    seen: dict[tuple[str, str], SameAs] = {}
    for r in records:
        for src in r.sources:
            seen.setdefault((src.feed, src.upstream_id),
                            SameAs(feed=src.feed, id=src.upstream_id, url=src.url))
        for alias in r.same_as:
            seen.setdefault((alias.feed, alias.id), alias)
    return list(seen.values())


def _sources(records: list[Kamerbrief]) -> list[SourceRef]:
    seen: dict[tuple[str, str], SourceRef] = {}
    for r in records:
        for src in r.sources:
            seen.setdefault((src.feed, src.upstream_id), src)
    return list(seen.values())


def changed_fields(before: Kamerbrief, after: Kamerbrief) -> list[str]:
    """Names of the fields whose value differs, provenance left out, in schema order."""
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return [name for name in Kamerbrief.model_fields
            if name not in PROVENANCE and old[name] != new[name]]
