"""The SRU replay serves the real recorded records, marks what it built, and pages like upstream."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from kamerstroom.feedserver import sru

RECORDINGS = Path(sru.__file__).parent / "recordings" / "officielebekendmakingen"
REAL_PAGE = RECORDINGS / "sru-2.0-staten-generaal-2021-10-13-page1.xml"
NS = {"sru": sru.SRU_NS}


def _served(query: str = "", start: int = 1, maximum: int = 100) -> etree._Element:
    records = sru.matching(sru.load(RECORDINGS), query)
    return etree.fromstring(sru.response_xml(records, "http://127.0.0.1:1", start, maximum).encode())


def test_every_real_record_is_served_with_its_namespaces_and_only_the_host_changed() -> None:
    real = etree.parse(str(REAL_PAGE)).getroot()
    served = {r.findtext(".//{*}identifier"): r for r in _served().iterfind(".//sru:record", NS)}
    for record in real.iterfind(".//sru:record", NS):
        identifier = record.findtext(".//{*}identifier")
        mine = served[identifier]
        assert [e.tag for e in record.iter() if isinstance(e.tag, str)] == \
            [e.tag for e in mine.iter() if isinstance(e.tag, str)]
        texts = [(e.text or "").replace("https://repository.overheid.nl", "http://127.0.0.1:1")
                 for e in record.iter() if isinstance(e.tag, str) and not e.tag.endswith("recordPosition")]
        assert texts == [e.text or "" for e in mine.iter()
                         if isinstance(e.tag, str) and not e.tag.endswith("recordPosition")]


def test_constructed_records_and_the_page_say_so() -> None:
    page = sru.response_xml(sru.load(RECORDINGS), "http://x", 1, 100)
    root = etree.fromstring(page.encode())
    real_ids = {r.findtext(".//{*}identifier") for r in etree.parse(str(REAL_PAGE)).iter("{*}record")}
    for record in root.iterfind(".//sru:record", NS):
        marked = any("CONSTRUCTED" in str(c.text) for c in record.iter(etree.Comment))
        assert marked == (record.findtext(".//{*}identifier") not in real_ids)
    assert "kamerstroom replay" in page.split("<sru:searchRetrieveResponse")[0]


def test_the_replay_has_one_letter_and_the_moties_are_typed_motie() -> None:
    records = sru.load(RECORDINGS)
    assert ["kst-22112-3185"] == sru.SruReplay(records).letters()
    assert {"Motie"} == {r.kamerstuk_type for r in records if r.identifier.startswith("kst-")
                         and r.identifier != "kst-22112-3185"}


def test_key_paging_selects_after_the_identifier_in_identifier_order() -> None:
    ids = [r.findtext(".//{*}identifier") or ""
           for r in _served('x AND dt.identifier>"h-tk-20202021-101-5" sortBy dt.identifier/sort.ascending')
           .iterfind(".//sru:record", NS)]
    assert ids == sorted(ids) and all(i > "h-tk-20202021-101-5" for i in ids) and ids
