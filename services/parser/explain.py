"""``kamerstroom parse --explain``: for each field, its value and where it came from.

The readers record an origin per field (``Draft.origins``: the rule and the page, line or
box); fields filled from the feed record, and the id, are explained here. A field that
stays empty shows the warning that says why, when there is one.
"""

from __future__ import annotations

import json
from typing import Any

from shared.schema import Kamerbrief

# The fields a user reports as wrong, in the record's order.
FIELDS = ("id", "title", "subject", "document_type", "document_date", "ministry", "addressee",
          "reference", "dossier", "ondernummer", "document_number", "vergaderjaar",
          "signatories", "sections", "body_text", "footnotes", "cites")
_WIDTH = 90  # a value is cut to this many characters


def id_origin(record_id: str) -> str:
    """Which rule of ``services/parser/identity.py`` gave the id."""
    if record_id.startswith("doc-"):
        return "id rule 5: no identifier in the input, so the SHA-256 of the body"
    if record_id.startswith("tk-"):
        return "id rule 3: the Tweede Kamer's document number"
    if record_id.startswith("ro-"):
        return "id rule 4: the rijksoverheid.nl item"
    return "id rule 1 or 2: dossier and ondernummer, or the officielebekendmakingen identifier"


def render(record: Kamerbrief, origins: dict[str, str]) -> str:
    """One line per field: name, value (cut), and its origin or why it is empty."""
    data = record.model_dump(mode="json")
    origins = {**origins, "id": id_origin(record.id)}
    lines = []
    for name in FIELDS:
        value = data[name]
        why = origins.get(name) if _given(value) else _warning(record.warnings, name)
        lines.append(f"{name}: {_show(name, value)}")
        if why:
            lines.append(f"    <- {why}")
    if record.warnings:
        lines.append("warnings:")
        lines.extend(f"    {warning}" for warning in record.warnings)
    return "\n".join(lines)


def _given(value: Any) -> bool:
    return value not in (None, [], "")


def _warning(warnings: list[str], name: str) -> str | None:
    for warning in warnings:
        if warning.startswith((f"{name}:", f"{name} ")):
            return warning
    return None


def _show(name: str, value: Any) -> str:
    if name in ("sections", "footnotes", "cites", "signatories") and isinstance(value, list):
        shown = f"{len(value)} item(s)"
        if value:
            shown += ": " + json.dumps(value[0], ensure_ascii=False)
        return _cut(shown)
    return _cut(json.dumps(value, ensure_ascii=False))


def _cut(text: str) -> str:
    return text if len(text) <= _WIDTH else text[: _WIDTH - 1] + "…"
