"""Fetching an enclosure file (PDF or DOCX) and checking it is what it claims to be."""

from __future__ import annotations

from dataclasses import dataclass

from services.fetcher.http import PoliteClient, Response
from shared.errors import Unprocessable
from shared.schema.envelopes import DocumentFormat

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FORMATS: dict[str, tuple[DocumentFormat, bytes]] = {
    "application/pdf": ("pdf", b"%PDF-"),
    DOCX: ("docx", b"PK\x03\x04"),  # a DOCX is a zip package
}


@dataclass(frozen=True)
class FetchedFile:
    response: Response
    format: DocumentFormat


async def fetch_file(client: PoliteClient, url: str, expected: str | None = None) -> FetchedFile:
    """GET an enclosure; ``Unprocessable`` if it is missing, of an unknown type or not that type.

    ``expected`` is the media type the feed announced; the server's answer wins if it names
    a known type. Raises ``RetryLater`` when the server cannot answer now.
    """
    response = await client.get(url)
    if response.status != 200:
        raise Unprocessable(f"http-{response.status}", f"{url} answered HTTP {response.status}")
    media = response.media_type if response.media_type in FORMATS else (expected or "")
    if media not in FORMATS:
        raise Unprocessable("unexpected-content-type",
                            f"{url} is {response.media_type or 'untyped'}, not PDF or DOCX")
    fmt, magic = FORMATS[media]
    if not response.body.startswith(magic):
        raise Unprocessable("unreadable-body", f"{url} claims {media} but does not start like one")
    return FetchedFile(response, fmt)
