"""The floor: each part's CPU per item, their sum, and the ratio row held to 1.25."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bench import corpus, floor
from shared.db import open_database


def _spin(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_cpu_per_item_divides_the_thread_cpu_by_the_items() -> None:
    """Ten items of 20 ms each cost about 20 ms per item; sleeping costs nothing."""
    busy = floor.cpu_per_item(lambda _: _spin(0.02), range(10))
    idle = floor.cpu_per_item(lambda _: time.sleep(0.02), range(10))
    assert 0.015 <= busy <= 0.05
    assert idle < 0.005


def test_floor_sums_its_parts_and_names_each() -> None:
    parts = floor.Floor({"relay": 0.0004, "parse": 0.00025})
    assert abs(parts.total - 0.00065) < 1e-12
    assert parts.describe("ms") == "relay 0.400 ms + parse 0.250 ms"
    assert parts.describe("us") == "relay 400.0 us + parse 250.0 us"


def test_ratio_row_meets_at_most_one_and_a_quarter_and_names_the_parts() -> None:
    parts = floor.Floor({"POST + HMAC": 80e-6, "delivery record": 20e-6})
    met = floor.ratio_row("webhooks/x/cpu-per-delivery-vs-floor", 120e-6, parts, "us", "delivery")
    missed = floor.ratio_row("webhooks/x/cpu-per-delivery-vs-floor", 300e-6, parts, "us", "delivery")
    assert (met.figure, met.met, met.target, met.target_kind) == (1.2, True, 1.25, "max_value")
    assert (missed.figure, missed.met) == (3.0, False)
    assert "floor 100.0 us = POST + HMAC 80.0 us + delivery record 20.0 us" in met.note


def test_ratio_row_without_the_system_cpu_is_unmeasured_and_missed() -> None:
    row = floor.ratio_row("pipeline/cpu-per-letter-vs-floor", None, floor.Floor({"relay": 1e-3}),
                          "ms", "letter")
    assert row.figure is None and row.met is False and row.target == 1.25


def test_each_part_measures_real_work_on_real_letters(tmp_path: Path) -> None:
    """Parser, envelope, store commit and delivery rows each cost some CPU on the corpus."""
    letters = corpus.letters(3)
    records = floor.records_of(letters)
    assert [r.id for r in records] == [letter.identifier for letter in letters]
    for part in (floor.parse_part(letters), floor.envelope_part(records),
                 floor.store_part(records, tmp_path), floor.delivery_record_part(4, 5, tmp_path)):
        assert 0 < part < 1.0


def test_the_interleaved_parts_store_each_letter_once(tmp_path: Path) -> None:
    """Parse, envelope and store in turn: real CPU, and one stored row per letter."""
    letters = corpus.letters(4)
    records = floor.records_of(letters)
    assert 0 < floor.interleaved_part(letters, records, tmp_path) < 1.0
    db = open_database(tmp_path / "floor-interleaved.sqlite", migrate=False)
    try:
        rows = db.execute("SELECT id, event_json FROM versions ORDER BY id").fetchall()
    finally:
        db.close()
    assert sorted(r.id for r in records) == [row[0] for row in rows]
    events = [json.loads(row[1]) for row in rows]
    assert [(row[0], "nl.kamerstroom.kamerbrief.published") for row in rows] == [
        (e["subject"], e["type"]) for e in events]
