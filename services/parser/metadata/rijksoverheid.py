"""A rijksoverheid.nl open-data document item (JSON, ``output=json``).

No recorded response exists; the keys read here are the documented ones (``id``,
``title``, ``introduction``, ``canonical``, ``available``/``frontenddate``, ``authorities``
or ``organisationalunit``). Unknown keys are ignored, so a schema change loses fields, not
letters.
"""

from __future__ import annotations

import json
from typing import Any

from services.parser.draft import Draft
from services.parser.fields import dates, ministries
from shared.errors import Unprocessable
from shared.schema import Ministry


def to_draft(content: str) -> Draft:
    """The record fields a rijksoverheid.nl item states."""
    try:
        item: Any = json.loads(content)
    except json.JSONDecodeError as exc:
        raise Unprocessable("malformed-metadata", f"rijksoverheid item: {exc}") from exc
    if not isinstance(item, dict):
        raise Unprocessable("malformed-metadata", "rijksoverheid item is not a JSON object")
    draft = Draft(
        title=_text(item.get("title")),
        document_type=_text(item.get("type")),
        published_at=dates.parse_datetime(_text(item.get("available"))
                                          or _text(item.get("frontenddate"))),
    )
    draft.ministry = _ministry(item)
    web = _text(item.get("canonical"))
    if web:
        draft.urls = {"web": web}
    return draft


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _ministry(item: dict[str, Any]) -> Ministry | None:
    for key in ("authorities", "organisationalunit", "creator"):
        value = item.get(key)
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                found = ministries.from_portfolio(text) or ministries.from_web_address(text)
                if found is not None:
                    return found
    return None
