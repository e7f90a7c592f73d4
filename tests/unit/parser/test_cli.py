"""The ``parse`` and ``schema`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kamerstroom.cli import main
from kamerstroom.commands.schema import render, schemas
from tests.unit.parser.conftest import KOOP, LETTERS

DOCS = Path(__file__).resolve().parents[3] / "docs" / "schema"


def test_parse_prints_record(capsys: pytest.CaptureFixture[str]) -> None:
    """The record is printed as JSON on stdout with exit status 0."""
    status = main(["parse", str(LETTERS / "Kamerbrief_defensie_navo_dmm_2022.md")])
    record = json.loads(capsys.readouterr().out)
    assert (0, "BS2022015117", "2022-06-22") == (
        status, record["reference"], record["document_date"])
    assert "Kamerbrief_defensie_navo_dmm_2022.md" == record["sources"][0]["upstream_id"]


def test_parse_with_external_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    """--metadata with a metadata.xml merges it into the kst document."""
    status = main(["parse", str(KOOP / "kst-24515-782-motie-extern-metadata.xml"),
                   "--metadata", str(KOOP / "gmb-2024-216934-metadata.xml")])
    record = json.loads(capsys.readouterr().out)
    assert (0, "kst-24515-782", "nl") == (status, record["id"], record["language"])


def test_parse_unreadable_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Broken input exits 2 with one line on stderr and no traceback."""
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 nothing")
    status = main(["parse", str(broken)])
    captured = capsys.readouterr()
    assert (2, "") == (status, captured.out)
    assert 1 == len(captured.err.strip().splitlines())
    assert captured.err.startswith("kamerstroom: malformed-pdf:")


def test_parse_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    """A missing file exits 2 saying which file."""
    status = main(["parse", "/nonexistent/letter.txt"])
    assert 2 == status
    assert "unreadable-file: /nonexistent/letter.txt" in capsys.readouterr().err


def test_parse_forced_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--format overrides detection: XML read as text is still a letter's text."""
    status = main(["parse", str(KOOP / "kst-31839-1105-motie-full-metadata.xml"),
                   "--format", "text"])
    record = json.loads(capsys.readouterr().out)
    assert 0 == status
    assert record["id"].startswith("doc-")


def test_schema_prints_both(capsys: pytest.CaptureFixture[str]) -> None:
    """'schema' prints the record's and the event's JSON Schema."""
    assert 0 == main(["schema"])
    printed = json.loads(capsys.readouterr().out)
    assert ["event.json", "kamerbrief.json"] == sorted(printed)
    assert "Kamerbrief" == printed["kamerbrief.json"]["title"]


@pytest.mark.parametrize("name", ["kamerbrief.json", "event.json"])
def test_docs_schema_in_sync(name: str) -> None:
    """docs/schema holds exactly what 'kamerstroom schema' prints (regenerate if not)."""
    assert render(schemas()[name]) == (DOCS / name).read_text(encoding="utf-8")


def test_parse_explain_names_rule_and_line(capsys: pytest.CaptureFixture[str]) -> None:
    """--explain shows each field's value with the rule and the input line it came from."""
    status = main(["parse", "--explain", str(LETTERS / "Kamerbrief_water_en_Bodem.txt")])
    out = capsys.readouterr().out
    assert 0 == status
    assert 'subject: "Water en Bodem sturend"\n    <- letterhead (subject), line 7\n' in out
    assert "reference: \"IENW/BSK-2022/283041\"\n    <- letterhead reference label, line 52" in out


def test_parse_explain_names_page_and_box(capsys: pytest.CaptureFixture[str]) -> None:
    """For a PDF the place is a page and a box; an empty field shows why it is empty."""
    motie = LETTERS.parent / "documents" / "tk-resource-motie-21501-02-3121.pdf"
    status = main(["parse", "--explain", str(motie)])
    out = capsys.readouterr().out
    assert 0 == status
    assert "ondernummer: \"3121\"\n    <- Kamerstuk head (ondernummer), page 1, box (" in out
    assert "subject: null\n    <- subject: not read: no 'Betreft'" in out
