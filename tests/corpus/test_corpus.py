"""The corpus: every real document we hold (and the constructed ones made from real text)
gives the fields its print shows. Prints the per-field score (``pytest -s`` to see it)."""

from __future__ import annotations

from tests.corpus import score


def test_every_document_gives_its_printed_fields() -> None:
    """Each field each expected-fields file names is what the parser gives."""
    table, failures = score.score()
    print("\n" + score.render(table))
    assert [] == failures


def test_corpus_holds_every_real_document() -> None:
    """Every real document in the fixtures has an expected-fields file."""
    real = score.FIXTURES / "real"
    documents = {str(path.relative_to(score.FIXTURES)) for folder in
                 ("kamerbrieven-text", "documents") for path in (real / folder).iterdir()}
    documents |= {str(path.relative_to(score.FIXTURES))
                  for path in (real / "koop-officiele-publicaties-xml").glob("*.xml")
                  if b"<officiele-publicatie" in path.read_bytes()[:4096]}  # not metadata.xml
    named = {case.document for case in score.cases()}
    assert set() == documents - named
