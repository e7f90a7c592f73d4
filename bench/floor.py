"""The floor of the work: what each part of a letter or a delivery costs done alone.

A scenario's CPU per item is held against the sum of its parts, each measured in the
same run on the same inputs: the raw relay's AMQP work (or the raw client's POST and
HMAC), the parser alone, one store commit of the record, the envelope alone, one
delivery-record write. The parts run in this process, one at a time, with nothing else
on its event loop, so their thread CPU time is theirs alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bench import corpus
from bench.results import Result, measured, unmeasured
from shared.db import open_database
from shared.schema import EventKind, Kamerbrief, SourceRef

T = TypeVar("T")
RATIO_UNIT = "× floor"
MAX_RATIO = 1.25


@dataclass
class Floor:
    """CPU seconds per item of each part of the work, in the order they were added."""

    parts: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.parts.values())

    def describe(self, unit: str) -> str:
        """``"0.45 ms relay + 0.25 ms parse"`` in ``unit`` (``ms`` or ``us``)."""
        scale, digits = _SCALES[unit]
        return " + ".join(f"{name} {value * scale:.{digits}f} {unit}"
                          for name, value in self.parts.items())


_SCALES = {"ms": (1000.0, 3), "us": (1_000_000.0, 1)}


def cpu_per_item(work: Callable[[T], object], items: Sequence[T]) -> float:
    """Thread CPU seconds ``work`` spends per item, over all of ``items``."""
    if not items:
        raise ValueError("no items to measure")
    started = time.thread_time()
    for item in items:
        work(item)
    return (time.thread_time() - started) / len(items)


def records_of(letters: Iterable[corpus.Letter]) -> list[Kamerbrief]:
    """Each letter parsed as the parser parses its raw document."""
    from services.parser.parse import parse_raw

    return [parse_raw(corpus.raw_document(letter)) for letter in letters]


def parse_part(letters: Sequence[corpus.Letter]) -> float:
    """The parser alone on the letters' bodies (no envelope, no broker)."""
    from services.parser.parse import parse_bytes

    sources = [corpus.raw_document(letter).source for letter in letters]
    pairs = list(zip(letters, sources, strict=True))
    return cpu_per_item(lambda p: parse_bytes(p[0].body, format="kst-xml", source=p[1]), pairs)


def envelope_part(records: Sequence[Kamerbrief]) -> float:
    """Building each record's CloudEvent and serialising it once."""
    from services.publisher.events import build_event

    return cpu_per_item(lambda r: build_event(r, EventKind.PUBLISHED, source="urn:bench")
                        .model_dump_json(), records)


_RECORD_SCHEMA = ("CREATE TABLE IF NOT EXISTS versions (id TEXT PRIMARY KEY, record_json TEXT NOT NULL, "
                  "event_json TEXT NOT NULL)")


def store_part(records: Sequence[Kamerbrief], folder: Path) -> float:
    """One commit per record: its JSON and its event's JSON in one row, with the product's
    SQLite settings (WAL, ``synchronous=NORMAL``). The JSON is made beforehand: the
    envelope part counts it."""
    db = open_database(folder / "floor-records.sqlite", migrate=False)
    db.execute(_RECORD_SCHEMA)
    rows = [(r.id, r.model_dump_json(), r.model_dump_json()) for r in records]

    def commit(row: tuple[str, str, str]) -> None:
        with db.transaction():
            db.execute("INSERT INTO versions VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                       "record_json = excluded.record_json, event_json = excluded.event_json", row)

    try:
        return cpu_per_item(commit, rows)
    finally:
        db.close()


def interleaved_part(letters: Sequence[corpus.Letter], records: Sequence[Kamerbrief],
                     folder: Path) -> float:
    """The parse, store and envelope parts done one letter at a time, in turn, as a
    service does them: CPU seconds per letter.

    Each part above runs alone in a loop, its code and data hot in the caches. Done in
    turn, each evicts the others', and the same work costs more (about 1.3 times here).
    A single process that does all of it pays that; the floor does not, so the note of the
    pipeline's floor row gives both.
    """
    from services.parser.parse import parse_bytes
    from services.publisher.events import build_event

    db = open_database(folder / "floor-interleaved.sqlite", migrate=False)
    db.execute(_RECORD_SCHEMA)
    sources = [corpus.raw_document(letter).source for letter in letters]
    stored = [r.model_dump_json() for r in records]  # made beforehand, as in store_part

    def one(item: tuple[corpus.Letter, SourceRef, Kamerbrief, str]) -> None:
        letter, source, record, record_json = item
        parse_bytes(letter.body, format="kst-xml", source=source)
        event = build_event(record, EventKind.PUBLISHED, source="urn:bench").model_dump_json()
        with db.transaction():
            db.execute("INSERT INTO versions VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                       "record_json = excluded.record_json, event_json = excluded.event_json",
                       (record.id, record_json, event))

    try:
        return cpu_per_item(one, list(zip(letters, sources, records, stored, strict=True)))
    finally:
        db.close()


_DELIVERY_SCHEMA = ("CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, endpoint_id TEXT NOT NULL, "
                    "event_id TEXT NOT NULL, status TEXT NOT NULL)")


def delivery_record_part(events: int, endpoints: int, folder: Path) -> float:
    """One delivery row per (event, endpoint), the rows of one event in one commit, as
    the product batches them; CPU seconds per delivery."""
    db = open_database(folder / f"floor-deliveries-{events}x{endpoints}.sqlite", migrate=False)
    db.execute(_DELIVERY_SCHEMA)

    def commit(event: int) -> None:
        with db.transaction():
            db.executemany("INSERT INTO deliveries VALUES (?, ?, ?, 'succeeded') ON CONFLICT (id) "
                           "DO UPDATE SET status = excluded.status",
                           [(f"{event}-{e}", f"endpoint-{e}", f"event-{event}") for e in range(endpoints)])

    try:
        return cpu_per_item(commit, range(events)) / endpoints
    finally:
        db.close()


def ratio_row(scenario: str, cpu: float | None, floor: Floor, unit: str, what: str) -> Result:
    """The row ``<scenario>``: CPU per item over the floor, held to at most ``MAX_RATIO``.

    ``cpu`` is the system under test's CPU seconds per item (``None``: not readable).
    """
    if cpu is None or floor.total <= 0:
        return unmeasured(scenario, RATIO_UNIT, "the CPU of the system under test or of its floor "
                          "was not readable", target=MAX_RATIO, target_kind="max_value")
    scale, digits = _SCALES[unit]
    return measured(scenario, cpu / floor.total, RATIO_UNIT, target=MAX_RATIO, target_kind="max_value",
                    note=f"kamerstroom {cpu * scale:.{digits}f} {unit} of CPU per {what}; floor "
                         f"{floor.total * scale:.{digits}f} {unit} = {floor.describe(unit)}, "
                         "each measured in this run")
