"""The pipeline entry point: provenance, identity, hashing and refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.parser.parse import parse_bytes, parse_raw
from shared.errors import Unprocessable
from shared.schema import RawDocument
from tests.unit.parser.conftest import KOOP, LETTERS

FETCHED = datetime(2025, 10, 3, 12, 0, tzinfo=UTC)


def _raw(body: bytes, **kwargs: object) -> RawDocument:
    """A raw message as the fetcher builds it."""
    return RawDocument(feed="officielebekendmakingen", upstream_id="kst-31839-1105",
                       url="https://zoek.officielebekendmakingen.nl/kst-31839-1105.xml",
                       fetched_at=FETCHED, body=body, **kwargs)


def test_raw_message_from_json() -> None:
    """A raw message that crossed the broker as JSON (body in base64) parses the same."""
    raw = _raw((KOOP / "kst-31839-1105-motie-full-metadata.xml").read_bytes())
    again = RawDocument.model_validate_json(raw.model_dump_json())
    assert parse_raw(raw) == parse_raw(again)


def test_parse_raw_sets_provenance() -> None:
    """sources, fetched_at and content_hash come with the record."""
    raw = _raw((KOOP / "kst-31839-1105-motie-full-metadata.xml").read_bytes(), format="kst-xml")
    record = parse_raw(raw)
    assert ([raw.source], FETCHED) == (record.sources, record.fetched_at)
    assert record.compute_content_hash() == record.content_hash


def test_same_letter_hashes_the_same() -> None:
    """Fetched twice at different times, the letter hashes the same."""
    body = (KOOP / "kst-31839-1105-motie-full-metadata.xml").read_bytes()
    first = parse_raw(_raw(body))
    second = parse_raw(_raw(body).model_copy(update={"fetched_at": datetime.now(UTC)}))
    assert first.content_hash == second.content_hash


def test_rijksoverheid_id() -> None:
    """A letter from rijksoverheid.nl without Kamer identifiers gets ro-<upstream id>."""
    letter = (LETTERS / "Kamerbrief_water_en_Bodem.txt").read_bytes()
    raw = RawDocument(feed="rijksoverheid", upstream_id="3f2a", fetched_at=FETCHED,
                      body=letter, format="text")
    assert "ro-3f2a" == parse_raw(raw).id


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty-body"),
        (b"   \n\t ", "empty-body"),
        (b"\x00\x01\x02\x03" * 100, "bad-encoding"),
    ],
)
def test_refusals(body: bytes, reason: str) -> None:
    """Input with nothing usable is refused with a short reason."""
    with pytest.raises(Unprocessable) as caught:
        parse_raw(_raw(body, format="text"))
    assert reason == caught.value.reason


def test_too_large() -> None:
    """A body over the cap is refused before parsing."""
    with pytest.raises(Unprocessable) as caught:
        parse_bytes(b"x" * 1001, max_bytes=1000)
    assert "too-large" == caught.value.reason


def test_unknown_format() -> None:
    """A format name we do not read is unsupported."""
    with pytest.raises(Unprocessable) as caught:
        parse_bytes(b"text", format="odt")
    assert "unsupported-format" == caught.value.reason


def test_text_in_windows_1252() -> None:
    """A letter saved as Windows-1252 is read with its accents intact."""
    text = (LETTERS / "Kamerbrief_defensie_navo_dmm_2022.md").read_text()
    record = parse_bytes(text.encode("cp1252"), format="text")
    assert "Contactgroep voor de verdediging van Oekraïne" == record.sections[-1].heading


def test_utf8_bom_text() -> None:
    """A byte-order mark before a letter's text is not part of the first line."""
    body = b"\xef\xbb\xbf" + (LETTERS / "Kamerbrief_circulaire_economie.txt").read_bytes()
    assert "IENW/BSK-2023/33017" == parse_bytes(body).reference


def test_fetched_url_is_the_documents_url() -> None:
    """The URL the fetcher used is the record's URL for that format."""
    record = parse_raw(_raw((KOOP / "kst-31839-1105-motie-full-metadata.xml").read_bytes()))
    assert "https://zoek.officielebekendmakingen.nl/kst-31839-1105.xml" == record.urls.xml
    mirrored = _raw((KOOP / "kst-31839-1105-motie-full-metadata.xml").read_bytes()).model_copy(
        update={"url": "http://127.0.0.1:8080/kst-31839-1105.xml"})
    assert "http://127.0.0.1:8080/kst-31839-1105.xml" == parse_raw(mirrored).urls.xml


def test_own_identity_not_repeated_in_same_as() -> None:
    """A kst document fetched from officielebekendmakingen does not list itself as an alias."""
    record = parse_raw(_raw((KOOP / "kst-31839-1105-motie-full-metadata.xml").read_bytes()))
    assert [] == record.same_as
