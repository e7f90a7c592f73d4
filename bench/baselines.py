"""Raw parsing baselines: what the underlying library does alone, per input format.

For PDF, the baseline is the raw text extraction of whichever PDF library kamerstroom
depends on (read from the installed distribution's requirements), so the comparison
follows the product's own choice.
"""

from __future__ import annotations

import importlib
import io
import re
import zipfile
from collections.abc import Callable
from importlib import metadata
from typing import Any

from lxml import etree
from lxml import html as lxml_html

_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
# Requirement name -> module and text extraction, in order of preference.
PDF_LIBRARIES = ("pypdf", "pdfminer.six", "pymupdf", "pdfplumber", "pypdfium2")


class NoBaseline(LookupError):
    """No raw baseline exists for a format on this build."""


def xml(body: bytes) -> str:
    """lxml parse plus all text, nothing else."""
    return "".join(str(t) for t in etree.fromstring(body, _XML_PARSER).itertext())


def html(body: bytes) -> str:
    """lxml.html parse plus all text."""
    return "".join(str(t) for t in lxml_html.document_fromstring(body).itertext())


def docx(body: bytes) -> str:
    """Unzip ``word/document.xml`` and take its text with lxml."""
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        return xml(package.read("word/document.xml"))


def text(body: bytes) -> str:
    """UTF-8 decoding: the whole of what a plain-text letter needs before parsing."""
    return body.decode("utf-8")


def pdf_library() -> str:
    """The PDF library kamerstroom depends on; raises ``NoBaseline`` when there is none."""
    try:
        requirements = metadata.requires("kamerstroom") or []
    except metadata.PackageNotFoundError as exc:
        raise NoBaseline("kamerstroom is not installed") from exc
    names = {re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0].lower() for r in requirements
             if "extra ==" not in r}
    for library in PDF_LIBRARIES:
        if library in names:
            return library
    raise NoBaseline("kamerstroom depends on no PDF library (of "
                     f"{', '.join(PDF_LIBRARIES)})")


def pdf() -> Callable[[bytes], str]:
    """The raw text extraction of kamerstroom's PDF library."""
    library = pdf_library()
    if library == "pypdf":
        pypdf: Any = importlib.import_module("pypdf")
        return lambda body: "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages)
    if library == "pdfminer.six":
        high_level: Any = importlib.import_module("pdfminer.high_level")
        return lambda body: str(high_level.extract_text(io.BytesIO(body)))
    if library == "pymupdf":
        pymupdf: Any = importlib.import_module("pymupdf")
        return lambda body: "".join(p.get_text() for p in pymupdf.open(stream=body, filetype="pdf"))
    if library == "pdfplumber":
        plumber: Any = importlib.import_module("pdfplumber")

        def extract(body: bytes) -> str:
            with plumber.open(io.BytesIO(body)) as document:
                return "".join(p.extract_text() or "" for p in document.pages)
        return extract
    pdfium: Any = importlib.import_module("pypdfium2")
    return lambda body: "".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(body))


def for_format(fmt: str) -> Callable[[bytes], str]:
    """The baseline for ``fmt``; raises ``NoBaseline`` when there is none."""
    if fmt == "pdf":
        return pdf()
    return {"kst-xml": xml, "html": html, "docx": docx, "text": text}[fmt]
