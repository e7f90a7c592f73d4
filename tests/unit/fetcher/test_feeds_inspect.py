"""``kamerstroom feeds inspect`` on every recording we hold, with the code the fetcher runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kamerstroom.cli import main

REAL = Path(__file__).parents[2] / "fixtures" / "real"
SRU = REAL / "koop-sru"
RECORDINGS = sorted(p for p in REAL.rglob("*") if p.is_file() and "xsd" not in p.parts
                    and p.name != "SOURCES.md")
SOURCES = ("officielebekendmakingen", "tweedekamer")
KEYS = {"id", "decision", "reason", "fields", "drift"}
DECISIONS = {"letter", "skipped", "undecided", "unreadable"}


def inspect(capsys: pytest.CaptureFixture[str], source: str, *files: Path) -> tuple[int, list[Any]]:
    status = main(["feeds", "inspect", "--source", source, "--json", *map(str, files)])
    return status, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("source", SOURCES)
def test_every_recording_gets_an_answer_never_a_crash(
        source: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each real file, feed page or not, gets entries of the documented shape; a file in a
    format that is not the source's own shows drift (exit 1), never an empty answer."""
    problems = []
    for path in RECORDINGS:
        status, listing = inspect(capsys, source, path)
        shapes_ok = all(set(e) == KEYS and e["decision"] in DECISIONS for e in listing)
        if status not in (0, 1) or not listing or not shapes_ok:
            problems.append(f"{path.name}: exit {status}, {listing!r:.200}")
        if status == 0 and any(e["decision"] == "unreadable" for e in listing):
            problems.append(f"{path.name}: unreadable without drift")
    assert [] == problems


def test_the_real_sru_page_names_its_one_letter(capsys: pytest.CaptureFixture[str]) -> None:
    """On the real 2021 page only the Kamerstuk typed Brief is a letter; the rest say why not."""
    page = SRU / "repository-overheid-sru20-staten-generaal-2021-10-13-page1.xml"
    status, listing = inspect(capsys, "officielebekendmakingen", page)
    assert 0 == status
    assert ["kst-22112-3185"] == [e["id"] for e in listing if e["decision"] == "letter"]
    assert {"not-a-kamerstuk"} == {e["reason"] for e in listing if e["decision"] == "skipped"}


def test_a_diagnostic_and_retired_formats_are_drift(capsys: pytest.CaptureFixture[str]) -> None:
    """The real 'unknown prefix' diagnostic, a retired rijksoverheid v1 list and an OData v4
    page are unreadable with their drift kind: none reads as "nothing new"."""
    cases = [("officielebekendmakingen", SRU / "repository-overheid-sru20-diagnostic-unknown-prefix.xml",
              "sru-diagnostic"),
             ("officielebekendmakingen", REAL / "rijksoverheid-v1-retired" / "documents-list-empty.xml",
              "not-sru-response"),
             ("tweedekamer", REAL / "tk-odata" / "odata-v4-Document-value-page10.json", "not-atom")]
    for source, path, kind in cases:
        status, [entry] = inspect(capsys, source, path)
        assert (1, "unreadable", kind) == (status, entry["decision"], entry["reason"]), path.name


def test_stripped_syncfeed_entries_are_read_and_their_missing_namespaces_reported(
        capsys: pytest.CaptureFixture[str]) -> None:
    """The recorder stripped the namespaces of the real entries: the fields are still read, and
    the missing namespaces are drift."""
    status, [entry] = inspect(capsys, "tweedekamer", REAL / "tk-syncfeed" /
                              "entry-kamerstukdossier-30218-namespaces-stripped.xml")
    assert 1 == status
    assert ("1f031e16-cb3b-45b5-b3c9-a8abd27c913a", "30218") == (entry["id"], entry["fields"]["nummer"])
    assert {"atom-namespace-missing", "entity-namespace-missing"} <= {d["kind"] for d in entry["drift"]}
