"""``kamerstroom parse FILE``: print the record for one document as JSON.

Unreadable input exits with status 2 and one line on stderr (via ``cli.main``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kamerstroom.commands import Subparsers
from services.parser import explain
from services.parser.detect import FORMATS
from services.parser.parse import MAX_BYTES, parse_explained
from shared.errors import Unprocessable
from shared.schema import FeedRecord, SourceRef

_KINDS = ("odata-document", "syncfeed-document", "syncfeed-entry", "sru-record", "rijksoverheid-item")


def register(subparsers: Subparsers) -> None:
    """Add the ``parse`` command."""
    parser = subparsers.add_parser("parse", help="print the record for one document as JSON")
    parser.add_argument("file", type=Path, help="the document (kst XML, HTML, PDF, DOCX, text)")
    parser.add_argument("--format", choices=("auto", *FORMATS), default="auto")
    parser.add_argument("--metadata", type=Path,
                        help="the feed's record for the document (OData JSON, SRU record, "
                             "SyncFeed entry, rijksoverheid JSON) or a kst metadata.xml")
    parser.add_argument("--metadata-kind", choices=_KINDS,
                        help="what --metadata is (default: guessed from its content)")
    parser.add_argument("--explain", action="store_true",
                        help="for each field, show its value and where it came from (rule, "
                             "page, line or box) instead of the JSON record")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Parse ``args.file`` and print the record; errors surface as ``Unprocessable``."""
    body = _read(args.file)
    metadata = _metadata(args.metadata, args.metadata_kind) if args.metadata else None
    record, origins = parse_explained(
        body,
        format=None if args.format == "auto" else args.format,
        metadata=metadata,
        source=SourceRef(feed="file", upstream_id=args.file.name),
        max_bytes=MAX_BYTES,
    )
    if args.explain:
        sys.stdout.write(explain.render(record, origins) + "\n")
    else:
        sys.stdout.write(record.model_dump_json(indent=2) + "\n")
    return 0


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise Unprocessable("unreadable-file", f"{path}: {exc.strerror or exc}") from exc


def _metadata(path: Path, kind: str | None) -> FeedRecord:
    content = _read(path).decode("utf-8", errors="replace").lstrip("\ufeff")
    guessed = kind or _guess_kind(path.name, content)
    related: dict[str, str] = {}
    if guessed == "metadata.xml":
        related, content, guessed = {"metadata.xml": content}, "<record/>", "sru-record"
    return FeedRecord(kind=guessed, content=content, related=related)


def _guess_kind(name: str, content: str) -> str:
    """metadata.xml, an SRU record, a SyncFeed entry or JSON (OData unless it has 'canonical')."""
    head = content.lstrip()[:2000]
    if "metadata_gegevens" in head or name.endswith("metadata.xml"):
        return "metadata.xml"
    if head.startswith(("{", "[")):
        return "rijksoverheid-item" if '"canonical"' in content else "odata-document"
    if "<entry" in head or "tkData" in head:
        return "syncfeed-entry"
    return "sru-record"
