"""``kamerstroom feeds inspect --source NAME FILE... [--json]``: what the fetcher decides.

Reads recorded responses (an SRU page, a SyncFeed page) with the same code the fetcher runs
(``Source.inspect``) and prints, per record, its id, the decision (``letter``, or
``skipped`` with its reason), the fields the fetcher read, and any drift from the feed's
contract. No request is made. A file that is not the feed's format at all is one entry with
decision ``unreadable`` and its drift.

Exit status: 0 when every file was read without drift, 1 when any drift was seen (so a
script can check a new upstream format), 2 for a file that cannot be opened.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from services.fetcher.main import build_sources
from services.fetcher.sources.base import Drift, Inspection, Source
from shared.config import SOURCE_NAMES, load_settings
from shared.errors import ConfigError, FeedDrift, Unprocessable


def add_parser(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``feeds inspect`` to the ``feeds`` actions."""
    inspect = actions.add_parser("inspect", help="show what the fetcher decides about recorded "
                                 "responses (no request is made)")
    inspect.add_argument("--source", required=True, choices=SOURCE_NAMES)
    inspect.add_argument("files", nargs="+", metavar="FILE", type=Path)
    inspect.add_argument("--json", action="store_true", help="a JSON list, one object a record")
    inspect.set_defaults(func=run)


def source_named(name: str) -> Source:
    """The fetcher's own source object for ``name``, built from the current settings."""
    settings = load_settings(sources=[name])
    return build_sources(settings)[0]


def inspect_file(source: Source, path: Path) -> list[Inspection]:
    """What the fetcher decides about each record of one recorded response."""
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return source.inspect(body, path.resolve().as_uri())
    except FeedDrift as exc:
        drift = Drift(exc.kind, exc.detail, exc.url)
    except Unprocessable as exc:
        drift = Drift(exc.reason, exc.detail, path.resolve().as_uri())
    return [Inspection(id=None, decision="unreadable", reason=drift.kind, drift=[drift])]


def run(args: argparse.Namespace) -> int:
    """Print the inspections of every file; see the module docstring for the exit status."""
    source = source_named(args.source)
    results = {path: inspect_file(source, path) for path in args.files}
    if args.json:
        listing = [{**i.as_json(), "fields": {"file": str(path), **i.fields}}
                   for path, found in results.items() for i in found]
        json.dump(listing, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        for path, found in results.items():
            sys.stdout.write(render(path, found))
    drifted = any(i.drift for found in results.values() for i in found)
    return 1 if drifted else 0


def render(path: Path, found: list[Inspection]) -> str:
    """The human listing of one file: a header line, then one block a record."""
    letters = sum(1 for i in found if i.decision == "letter")
    lines = [f"{path}: {len(found)} record(s), {letters} letter(s)"]
    for item in found:
        why = f" ({item.reason})" if item.reason else ""
        lines.append(f"  {item.id or '-'}  {item.decision}{why}")
        lines.extend(f"      {name}: {value}" for name, value in item.fields.items()
                     if value not in (None, "", [], {}))
        lines.extend(f"      DRIFT {d.kind}: {d.detail}"
                     + (f" <{d.url}>" if d.url and d.url not in d.detail else "")
                     for d in item.drift)
    return "\n".join(lines) + "\n"
