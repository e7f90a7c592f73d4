"""``kamerstroom schema``: print the JSON Schema of the record and of the event."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kamerstroom.commands import Subparsers
from shared.schema import CloudEvent, Kamerbrief


def schemas() -> dict[str, dict[str, Any]]:
    """The published schemas by file name (``docs/schema/<name>``)."""
    return {
        "kamerbrief.json": Kamerbrief.model_json_schema(),
        "event.json": CloudEvent.model_json_schema(),
    }


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
