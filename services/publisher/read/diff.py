"""What changed between two versions of a letter: each field, with its old and new value."""

from __future__ import annotations

from typing import Any

from services.publisher.merge import PROVENANCE
from shared.schema import Kamerbrief


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """``[{field, old, new}]`` in schema order, for every record field whose value differs.

    Provenance (``version``, ``content_hash``, ``sources``, ``fetched_at``) is left out, as
    in an event's ``changedfields``; a field missing from an older stored record is ``null``.
    """
    return [{"field": name, "old": old.get(name), "new": new.get(name)}
            for name in Kamerbrief.model_fields
            if name not in PROVENANCE and old.get(name) != new.get(name)]
