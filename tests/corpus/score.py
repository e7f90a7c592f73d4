"""Score the parser on the corpus: one expected-fields file per document, one score per field.

Each ``expected/*.json`` names a document (a path under ``tests/fixtures/``, or
``constructed:<name>`` for a document built from real text by ``constructed.py``) and the
fields read from the printed document. Only the fields a file names are checked.

``python -m tests.corpus.score`` prints the per-field table; ``test_corpus.py`` asserts it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.parser.parse import parse_bytes
from shared.errors import Unprocessable
from shared.schema import FeedRecord
from tests.corpus import constructed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXPECTED = Path(__file__).resolve().parent / "expected"


@dataclass(frozen=True)
class Case:
    """One corpus document and what its print says."""

    name: str
    document: str
    format: str | None
    related: dict[str, str]
    fields: dict[str, Any]

    def body(self) -> bytes:
        """The document's bytes: a fixture file, or a constructed document built now."""
        if self.document.startswith("constructed:"):
            return constructed.build(self.document.removeprefix("constructed:"))
        return (FIXTURES / self.document).read_bytes()

    def metadata(self) -> FeedRecord | None:
        """The related files (e.g. an external metadata.xml) as the feed would pass them."""
        if not self.related:
            return None
        related = {key: (FIXTURES / path).read_text(encoding="utf-8")
                   for key, path in self.related.items()}
        # As ``kamerstroom parse --metadata``: an empty SRU record carries the related files.
        return FeedRecord(kind="sru-record", content="<record/>", related=related)


def cases() -> list[Case]:
    """Every expected-fields file, by name."""
    found = []
    for path in sorted(EXPECTED.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found.append(Case(path.stem, data["document"], data.get("format"),
                          data.get("related", {}), data["fields"]))
    return found


def parse_case(case: Case) -> dict[str, Any]:
    """The record as JSON data, or ``{"refused": reason}`` when the parser refuses it."""
    try:
        record = parse_bytes(case.body(), format=case.format, metadata=case.metadata())
    except Unprocessable as exc:
        return {"refused": exc.reason}
    return record.model_dump(mode="json")


def check(case: Case, record: dict[str, Any]) -> dict[str, tuple[bool, str]]:
    """Field -> (passed, what the parser gave) for each field ``case`` names."""
    results = {}
    for field, expected in case.fields.items():
        actual = _actual(field, record)
        results[field] = (_matches(field, expected, actual), repr(actual)[:200])
    return results


def _actual(field: str, record: dict[str, Any]) -> Any:
    if "refused" in record:
        return {"refused": record["refused"]} if field == "refused" else None
    getter = _GETTERS.get(field)
    return getter(record) if getter else record.get(field)


def _body(record: dict[str, Any]) -> str:
    return str(record.get("body_text") or "")


_GETTERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "ministry": lambda r: (r["ministry"] or {}).get("code"),
    "dossier": lambda r: None if r["dossier"] is None else r["dossier"]["number"] + (
        f"-{r['dossier']['toevoeging']}" if r["dossier"]["toevoeging"] else ""),
    "signatories": lambda r: [[s["name"], s["role"]] for s in r["signatories"]],
    "headings": lambda r: [s["heading"] for s in r["sections"]],
    "headings_include": lambda r: [s["heading"] for s in r["sections"]],
    "footnote_count": lambda r: len(r["footnotes"]),
    "footnotes_start": lambda r: {n["number"]: n["text"] for n in r["footnotes"]},
    "cites": lambda r: [[c["dossier"], c["toevoeging"], c["ondernummer"]] for c in r["cites"]],
    "cites_include": lambda r: [[c["dossier"], c["toevoeging"], c["ondernummer"]]
                                for c in r["cites"]],
    "body_includes": _body,
    "body_excludes": _body,
    "warnings_include": lambda r: r["warnings"],
    "refused": lambda r: None,
}


def _matches(field: str, expected: Any, actual: Any) -> bool:
    if actual is None and field not in ("refused",):
        return expected is None
    if field in ("headings_include", "cites_include"):
        return all(item in actual for item in expected)
    if field == "footnotes_start":
        return all(str(actual.get(k, "")).startswith(v) for k, v in expected.items())
    if field == "body_includes":
        return all(text in actual for text in expected)
    if field == "body_excludes":
        return not any(text in actual for text in expected)
    if field == "warnings_include":
        return all(any(text in warning for warning in actual) for text in expected)
    return bool(expected == actual)


def score(selected: list[Case] | None = None) -> tuple[dict[str, list[int]], list[str]]:
    """Per field [passed, total] over the corpus, and one line per failure."""
    table: dict[str, list[int]] = {}
    failures = []
    for case in selected if selected is not None else cases():
        record = parse_case(case)
        for field, (passed, actual) in check(case, record).items():
            row = table.setdefault(field, [0, 0])
            row[0] += passed
            row[1] += 1
            if not passed:
                failures.append(f"{case.name}: {field}: got {actual}")
    return table, failures


def render(table: dict[str, list[int]]) -> str:
    """The per-field score as a small text table, with the total."""
    lines = [f"{'field':<18} passed/total"]
    for field in sorted(table):
        passed, total = table[field]
        lines.append(f"{field:<18} {passed:>3}/{total:<3}")
    passed = sum(row[0] for row in table.values())
    total = sum(row[1] for row in table.values())
    lines.append(f"{'all fields':<18} {passed:>3}/{total:<3}")
    return "\n".join(lines)


def main() -> int:
    """Print the score and the failures; exit 1 when any field fails."""
    table, failures = score()
    print(render(table))
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
