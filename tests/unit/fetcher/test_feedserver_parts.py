"""The feed server's constructed files and fault queue, without a server."""

from __future__ import annotations

import io
import zipfile

import pytest

from kamerstroom.feedserver.documents import docx_bytes, pdf_bytes
from kamerstroom.feedserver.faults import Faults


def test_pdf_is_a_deterministic_pdf_with_the_text() -> None:
    """The constructed PDF starts like a PDF, ends with EOF, holds the text, and is repeatable."""
    body = pdf_bytes("Geachte voorzitter,\nHoogachtend", title="Betreft")
    assert (True, True, True, body) == (body.startswith(b"%PDF-1.4"), body.endswith(b"%%EOF\n"),
                                        b"(Geachte voorzitter,) Tj" in body, pdf_bytes(
                                            "Geachte voorzitter,\nHoogachtend", title="Betreft"))


def test_docx_is_a_zip_package_with_one_paragraph_per_line() -> None:
    """The constructed DOCX opens as a zip with a WordprocessingML body."""
    with zipfile.ZipFile(io.BytesIO(docx_bytes("Datum 3 februari 2023\nBetreft NPCE"))) as package:
        document = package.read("word/document.xml").decode()
    assert 2 == document.count("<w:p>")
    assert "Betreft NPCE" in document


def test_faults_are_used_up_in_order_per_path() -> None:
    """Queued faults apply to matching paths, one request each, then stop."""
    faults = Faults()
    faults.add("/sru", "429", "500")
    assert ["429", None, "500", None] == [faults.take("/sru"), faults.take("/v1/x"),
                                           faults.take("/sru"), faults.take("/sru")]


def test_unknown_fault_is_refused() -> None:
    """A misspelt fault name is an error, not silently ignored."""
    with pytest.raises(ValueError, match="unknown fault"):
        Faults().add("/sru", "teapot")
