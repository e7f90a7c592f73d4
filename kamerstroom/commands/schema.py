"""``kamerstroom schema``: print the JSON Schema of the record and of the event."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kamerstroom.commands import Subparsers
from shared.schema import CloudEvent, Kamerbrief
from shared.schema.events import SCHEMA_BASE

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schemas() -> dict[str, dict[str, Any]]:
    """The published schemas by file name (``docs/schema/<name>``), each ``$id`` under ``SCHEMA_BASE``.

    The event's ``data`` refers to ``kamerbrief.json`` instead of keeping a copy of it, so the
    record has one schema; ``specversion`` is required (pydantic leaves out fields with defaults).
    """
    event = CloudEvent.model_json_schema(mode="serialization")
    event.pop("$defs", None)  # all of them the record's, which kamerbrief.json holds
    event["properties"]["data"] = {"$ref": "kamerbrief.json",
                                   "description": event["properties"]["data"].get("description", "")}
    event["properties"]["changedfields"].pop("default")  # absent rather than empty
    event["required"] = ["specversion", *[r for r in event["required"] if r != "specversion"]]
    return {
        "kamerbrief.json": _published("kamerbrief.json", Kamerbrief.model_json_schema()),
        "event.json": _published("event.json", event),
    }


def _published(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": SCHEMA_BASE + name, **schema}


def render(schema: dict[str, Any]) -> str:
    """The schema as its file in ``docs/schema/`` holds it."""
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def register(subparsers: Subparsers) -> None:
    """Add the ``schema`` command."""
    parser = subparsers.add_parser("schema", help="print the JSON Schema of record and event")
    parser.add_argument("--which", choices=("all", "kamerbrief", "event"), default="all")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the chosen schema (both, as one object keyed by file name, for 'all')."""
    chosen = schemas()
    if args.which != "all":
        sys.stdout.write(render(chosen[f"{args.which}.json"]))
    else:
        sys.stdout.write(render(chosen))
    return 0
