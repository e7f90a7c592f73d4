"""The field readers on their own: dates, references, roles, ministries, citations."""

from __future__ import annotations

from datetime import date

import pytest

from services.parser.fields import citations, dates, letterhead, ministries, references, signatories
from shared.schema import Citation, Signatory


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22 juni 2022", date(2022, 6, 22)),
        ("Den Haag, 12 maart 2024", date(2024, 3, 12)),
        ("Datum 3 februari 2023", date(2023, 2, 3)),
        ("op 1 mei 2021 besloten", date(2021, 5, 1)),
        ("31 februari 2023", None),
        ("geen datum", None),
    ],
)
def test_dutch_dates(text: str, expected: date | None) -> None:
    """Dates in every written form seen; impossible dates are no date."""
    assert expected == dates.find_dutch_date(text)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Datum 25 november 2022"], date(2022, 11, 25)),
        (["Den Haag, 12 maart 2024"], date(2024, 3, 12)),
        (["Datum: 3 februari 2023"], date(2023, 2, 3)),
    ],
)
def test_letterhead_date_lines(lines: list[str], expected: date) -> None:
    """'Datum …' and 'Den Haag, …' lines give the letter's date."""
    assert expected == letterhead.read(lines).document_date


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Onze referentie", "BS2022015117"], "BS2022015117"),
        (["Ons kenmerk", "I E NW/BSK-2022/283041"], "IENW/BSK-2022/283041"),
        (["Kenmerk: 2024-0000123456"], "2024-0000123456"),
        (["Uw kenmerk", "ABC-1", "Onze referentie", "XYZ-2"], "XYZ-2"),
        (["Kenmerk", "DGB 2024 123"], "DGB 2024 123"),
        (["geen kenmerk hier"], None),
    ],
)
def test_references(lines: list[str], expected: str | None) -> None:
    """Our reference under each label; extraction spaces repaired only when unambiguous."""
    assert expected == references.find_reference(lines)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("DE MINISTER VAN DEFENSIE", "De Minister van Defensie"),
        ("DE STAATSSECRETARIS VAN INFRASTRUCTUUR EN WATERSTAAT,",
         "De Staatssecretaris van Infrastructuur en Waterstaat"),
        ("de minister voor Klimaat en Energie", "De Minister voor Klimaat en Energie"),
    ],
)
def test_role_normalisation(role: str, expected: str) -> None:
    """Roles in sentence case with Dutch particles lowercase."""
    assert expected == signatories.normalise_role(role)


def test_signature_name_then_role() -> None:
    """A 'name, then role' block pairs the name with the role under it."""
    block = ["Hoogachtend,", "F. Bakker", "de minister van Financiën"]
    assert [Signatory(name="F. Bakker", role="De Minister van Financiën")] == (
        signatories.parse_block(block))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Ministerie van Defensie", "def"),
        ("Ministerie van Inf rastructuur en Waterstaat", "ienw"),
        ("BRIEF VAN DE MINISTER VAN ECONOMISCHE ZAKEN EN KLIMAAT", "ezk"),
        ("BRIEF VAN DE MINISTER VAN ECONOMISCHE ZAKEN", "ez"),
        ("De Minister van Volkshuisvesting, Ruimtelijke Ordening en Milieubeheer", "vrom"),
        ("de minister voor Volkshuisvesting en Ruimtelijke Ordening", "vro"),
        ("De Staatssecretaris van Financiën", "fin"),
        ("de minister van Landbouw, Natuur en Voedselkwaliteit", "lnv"),
        ("de minister van Veiligheid en Justitie", "venj"),
    ],
)
def test_ministry_from_portfolio(text: str, code: str) -> None:
    """Current and former ministries resolve from letterhead, title or role."""
    found = ministries.from_portfolio(text)
    assert found is not None
    assert code == found.code


def test_ministry_from_web_address() -> None:
    """The sender's web address names the ministry."""
    found = ministries.from_web_address("www.defensie.nl")
    assert found is not None
    assert "def" == found.code


def test_unknown_portfolio_is_none() -> None:
    """A portfolio not in the registry gives no ministry rather than a guess."""
    assert ministries.from_portfolio("de minister van Toverkunst") is None


def test_registry_codes_are_unique_and_lowercase() -> None:
    """Every routing code appears once, in lowercase."""
    codes = [entry.code for entry in ministries.REGISTRY]
    assert sorted(set(codes)) == sorted(codes)
    assert [code.lower() for code in codes] == codes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kamerstuk 33009, nr. 117", [Citation(dossier="33009", ondernummer="117")]),
        ("Kamerstukken 32 698, nr. 64", [Citation(dossier="32698", ondernummer="64")]),
        ("Kamerstuk 33400-J, nr. 19", [Citation(dossier="33400", toevoeging="J", ondernummer="19")]),
        ("Kamerstukken 33 037, nrs. 431 en 437",
         [Citation(dossier="33037", ondernummer="431"),
          Citation(dossier="33037", ondernummer="437")]),
        ("Kamerstuk 2022Z24775", []),
        ("Kamerstukken II 2009/10, 32 123 XVI, nr. 30",
         [Citation(dossier="32123", toevoeging="XVI", ondernummer="30")]),
        ("Kamerstuk 21 501-32, nr. 1703",
         [Citation(dossier="21501", toevoeging="32", ondernummer="1703")]),
        ("zie kst-36124-3.", [Citation(dossier="36124", ondernummer="3")]),
        ("kst-21501-02-3121", [Citation(dossier="21501", toevoeging="02", ondernummer="3121")]),
        ("TK 2021–2022, 35 925 VII, nr. 6",
         [Citation(dossier="35925", toevoeging="VII", ondernummer="6")]),
        ("Kamerstukken II 2020/21, 22 112 nr. 2953.",
         [Citation(dossier="22112", ondernummer="2953")]),
        ("Kamerstuk 32 813, nr. 952, 2022", [Citation(dossier="32813", ondernummer="952")]),
    ],
)
def test_citations(text: str, expected: list[Citation]) -> None:
    """Kamerstuk references in the forms letters write them; a zaak number is none."""
    assert expected == citations.find_citations(text)


@pytest.mark.parametrize(
    ("code", "tooi"),
    [
        ("def", "https://identifier.overheid.nl/tooi/id/ministerie/mnre1018"),
        ("bzk", "https://identifier.overheid.nl/tooi/id/ministerie/mnre1034"),
        ("ienw", None),
    ],
)
def test_tooi_identifiers(code: str, tooi: str | None) -> None:
    """Confirmed TOOI ids are given; unconfirmed ones are None, not a guess."""
    found = ministries.by_code(code)
    assert found is not None
    assert tooi == found.tooi
