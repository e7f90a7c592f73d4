"""Properties: no input crashes or hangs the parser, and no paragraph of a letter is lost."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.parser.detect import FORMATS
from services.parser.parse import parse_bytes
from shared.errors import Unprocessable
from shared.schema import Kamerbrief
from tests.unit.parser import makers
from tests.unit.parser.conftest import CONSTRUCTED, KOOP, LETTERS
from tests.unit.parser.strategies import letter, mutated, paragraphs

REAL_DOCUMENTS = [
    (LETTERS / "Kamerbrief_defensie_navo_dmm_2022.md").read_bytes(),
    (LETTERS / "Kamerbrief_circulaire_economie.txt").read_bytes(),
    (KOOP / "kst-31839-1105-motie-full-metadata.xml").read_bytes(),
    (KOOP / "stcrt-2015-47076.xml").read_bytes(),
    (CONSTRUCTED / "kst-letter-defensie-navo-CONSTRUCTED.xml").read_bytes(),
    makers.markdown_docx((LETTERS / "Kamerbrief_defensie_navo_dmm_2022.md").read_text()),
    makers.markdown_html((LETTERS / "Kamerbrief_defensie_navo_dmm_2022.md").read_text()),
]
PROPERTY = settings(max_examples=60, deadline=5000,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _parse_or_refuse(body: bytes, form: str | None = None) -> Kamerbrief | None:
    """Parse, allowing only the documented refusal."""
    try:
        return parse_bytes(body, format=form)
    except Unprocessable:
        return None


@PROPERTY
@given(body=st.binary(max_size=4000), form=st.sampled_from([None, *FORMATS]))
def test_arbitrary_bytes_never_crash(body: bytes, form: str | None) -> None:
    """Any bytes in any declared format give a record or an Unprocessable, nothing else."""
    record = _parse_or_refuse(body, form)
    assert record is None or record.id


@PROPERTY
@given(text=st.text(max_size=3000))
def test_arbitrary_text_never_crashes(text: str) -> None:
    """Any text read as a letter gives a record or an Unprocessable."""
    record = _parse_or_refuse(text.encode("utf-8", errors="surrogatepass"), "text")
    assert record is None or record.id


@PROPERTY
@given(data=st.data(), which=st.integers(0, len(REAL_DOCUMENTS) - 1))
def test_mutated_real_documents_never_crash(data: st.DataObject, which: int) -> None:
    """Real documents, truncated and corrupted, give a record or an Unprocessable."""
    body = data.draw(mutated(REAL_DOCUMENTS[which]))
    record = _parse_or_refuse(body)
    assert record is None or record.id


def _body_paragraphs(record: Kamerbrief) -> list[str]:
    return [p for section in record.sections for p in section.text.split("\n\n") if p]


@PROPERTY
@given(body=st.lists(paragraphs(), min_size=1, max_size=8, unique=True))
def test_every_paragraph_survives_as_paragraph(body: list[str]) -> None:
    """In blank-line separated text, each body paragraph is a paragraph of the sections."""
    record = parse_bytes(letter(body, printed=False).encode("utf-8"), format="text")
    assert body == _body_paragraphs(record)


@PROPERTY
@given(body=st.lists(paragraphs(), min_size=1, max_size=8, unique=True))
def test_every_paragraph_survives_printed(body: list[str]) -> None:
    """In printed lines, where a paragraph ends is a guess, but every word survives in order."""
    record = parse_bytes(letter(body, printed=True).encode("utf-8"), format="text")
    assert " ".join(body) == " ".join(_body_paragraphs(record))


@pytest.mark.timeout(180)  # a busy CI machine may take several times the usual ~10 s
def test_ten_megabytes_do_not_hang() -> None:
    """A 10 MB letter (the real one, repeated) parses within the test timeout."""
    original = (LETTERS / "Kamerbrief_water_en_Bodem.txt").read_bytes()
    body = (original * (10 * 1024 * 1024 // len(original) + 1))[: 10 * 1024 * 1024]
    record = parse_bytes(body, format="text")
    assert "Water en Bodem sturend" == record.subject
