"""Merging one feed's record: the quick path gives exactly what the general merge gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.parser.parse import parse_bytes
from services.publisher.merge import _merge_many, _merge_one, merge
from shared.schema import Kamerbrief
from shared.schema.record import SourceRef, Urls
from tests.unit.publisher.letters import kst, rijksoverheid, tweedekamer

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "real"
FILES = sorted([*(REAL / "koop-officiele-publicaties-xml").glob("kst-*.xml"),
                *(REAL / "koop-officiele-publicaties-xml").glob("stcrt-*.xml"),
                *(REAL / "kamerbrieven-text").glob("*.*")])


def _real(path: Path) -> Kamerbrief:
    source = SourceRef(feed="officielebekendmakingen", upstream_id=path.stem)
    return parse_bytes(path.read_bytes(), source=source)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_one_real_record_merges_as_the_general_merge_does(path: Path) -> None:
    """Same record, same content hash, whether the letter keeps its id or gets another."""
    record = _real(path)
    for canonical in (record.id, "kst-1-1"):
        assert _merge_many(canonical, [record]) == _merge_one(canonical, record)


def test_one_constructed_record_per_feed_merges_as_the_general_merge_does() -> None:
    """Each feed's record alone, including one with empty URLs and repeated warnings."""
    odd = kst(urls=Urls(xml="", pdf=None), warnings=["b", "a", "b"])
    for record in (kst(), tweedekamer(), rijksoverheid(), odd):
        assert _merge_many(record.id, [record]) == merge(record.id, [record])


def test_the_fixtures_are_there() -> None:
    """The parametrised test above has real records to run on."""
    assert len(FILES) >= 5
