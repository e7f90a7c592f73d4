"""Shared helpers: fixture paths and parsing a fixture file."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.parser.parse import parse_bytes
from shared.schema import Kamerbrief

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
REAL = FIXTURES / "real"
CONSTRUCTED = FIXTURES / "constructed"
LETTERS = REAL / "kamerbrieven-text"
KOOP = REAL / "koop-officiele-publicaties-xml"


def parse_file(path: Path, **kwargs: object) -> Kamerbrief:
    """The record for a fixture file, format detected."""
    return parse_bytes(path.read_bytes(), **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def defensie() -> Kamerbrief:
    """The product's reference letter, parsed from its markdown text."""
    return parse_file(LETTERS / "Kamerbrief_defensie_navo_dmm_2022.md")


@pytest.fixture(scope="session")
def circulaire() -> Kamerbrief:
    """The IenW letter on the circular economy, parsed from its PDF text."""
    return parse_file(LETTERS / "Kamerbrief_circulaire_economie.txt")


@pytest.fixture(scope="session")
def water() -> Kamerbrief:
    """The IenW letter 'Water en Bodem sturend', parsed from its PDF text."""
    return parse_file(LETTERS / "Kamerbrief_water_en_Bodem.txt")
