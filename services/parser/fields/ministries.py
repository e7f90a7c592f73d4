"""Registry of current and past Dutch ministries, and resolving one from a letter's words.

TOOI identifiers are those of the government's TOOI register of ministries
(``https://identifier.overheid.nl/tooi/id/ministerie/mnreNNNN``). Only identifiers that
independent public sources agree on are filled in (Defensie, BZK, JenV, OCW); the others
are ``None`` rather than a guess until they are checked against the register itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.schema import Ministry

TOOI = "https://identifier.overheid.nl/tooi/id/ministerie/"


@dataclass(frozen=True)
class Entry:
    """One ministry: canonical name, routing code, TOOI id, other names and web domains."""

    code: str
    name: str
    tooi: str | None
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()

    def ministry(self) -> Ministry:
        """The schema value for this entry."""
        return Ministry(name=self.name, code=self.code, tooi=self.tooi)


def _tooi(number: str) -> str:
    return TOOI + "mnre" + number


REGISTRY: tuple[Entry, ...] = (
    Entry("az", "Ministerie van Algemene Zaken", None, ("Algemene Zaken",),
          ("rijksoverheid.nl/ministeries/ministerie-van-algemene-zaken",)),
    Entry("bzk", "Ministerie van Binnenlandse Zaken en Koninkrijksrelaties", _tooi("1034"),
          ("Binnenlandse Zaken en Koninkrijksrelaties", "Binnenlandse Zaken"),
          ("rijksoverheid.nl/ministeries/ministerie-van-binnenlandse-zaken-en-koninkrijksrelaties",)),
    Entry("bz", "Ministerie van Buitenlandse Zaken", None,
          ("Buitenlandse Zaken", "Buitenlandse Handel en Ontwikkelingssamenwerking",
           "Buitenlandse Handel en Ontwikkelingshulp", "Ontwikkelingssamenwerking"),
          ("minbuza.nl", "nederlandwereldwijd.nl",
           "rijksoverheid.nl/ministeries/ministerie-van-buitenlandse-zaken")),
    Entry("def", "Ministerie van Defensie", _tooi("1018"), ("Defensie",), ("defensie.nl",)),
    Entry("ezk", "Ministerie van Economische Zaken en Klimaat", None,
          ("Economische Zaken en Klimaat",),
          ("rijksoverheid.nl/ministeries/ministerie-van-economische-zaken-en-klimaat",)),
    Entry("ez", "Ministerie van Economische Zaken", None,
          ("Economische Zaken", "Economische Zaken, Landbouw en Innovatie"),
          ("rijksoverheid.nl/ministeries/ministerie-van-economische-zaken",)),
    Entry("fin", "Ministerie van Financiën", None, ("Financiën", "Financien"),
          ("rijksoverheid.nl/ministeries/ministerie-van-financien",)),
    Entry("ienw", "Ministerie van Infrastructuur en Waterstaat", None,
          ("Infrastructuur en Waterstaat",),
          ("rijksoverheid.nl/ministeries/ministerie-van-infrastructuur-en-waterstaat",
           "rijkswaterstaat.nl")),
    Entry("ienm", "Ministerie van Infrastructuur en Milieu", None,
          ("Infrastructuur en Milieu",)),
    Entry("venw", "Ministerie van Verkeer en Waterstaat", None, ("Verkeer en Waterstaat",)),
    Entry("jenv", "Ministerie van Justitie en Veiligheid", _tooi("1058"),
          ("Justitie en Veiligheid", "Justitie"),
          ("rijksoverheid.nl/ministeries/ministerie-van-justitie-en-veiligheid",)),
    Entry("venj", "Ministerie van Veiligheid en Justitie", None, ("Veiligheid en Justitie",)),
    Entry("ocw", "Ministerie van Onderwijs, Cultuur en Wetenschap", _tooi("1109"),
          ("Onderwijs, Cultuur en Wetenschap", "Onderwijs, Cultuur en Wetenschappen"),
          ("rijksoverheid.nl/ministeries/ministerie-van-onderwijs-cultuur-en-wetenschap",)),
    Entry("szw", "Ministerie van Sociale Zaken en Werkgelegenheid", None,
          ("Sociale Zaken en Werkgelegenheid", "Armoedebeleid, Participatie en Pensioenen",
           "Primair en Voortgezet Onderwijs en Media"),
          ("rijksoverheid.nl/ministeries/ministerie-van-sociale-zaken-en-werkgelegenheid",)),
    Entry("vws", "Ministerie van Volksgezondheid, Welzijn en Sport", None,
          ("Volksgezondheid, Welzijn en Sport", "Medische Zorg", "Langdurige Zorg"),
          ("rijksoverheid.nl/ministeries/ministerie-van-volksgezondheid-welzijn-en-sport",)),
    Entry("lnv", "Ministerie van Landbouw, Natuur en Voedselkwaliteit", None,
          ("Landbouw, Natuur en Voedselkwaliteit", "Natuur en Stikstof"),
          ("rijksoverheid.nl/ministeries/ministerie-van-landbouw-natuur-en-voedselkwaliteit",)),
    Entry("lvvn", "Ministerie van Landbouw, Visserij, Voedselzekerheid en Natuur", None,
          ("Landbouw, Visserij, Voedselzekerheid en Natuur",),
          ("rijksoverheid.nl/ministeries/ministerie-van-landbouw-visserij-voedselzekerheid-en-natuur",)),
    Entry("kgg", "Ministerie van Klimaat en Groene Groei", None,
          ("Klimaat en Groene Groei", "Klimaat en Energie"),
          ("rijksoverheid.nl/ministeries/ministerie-van-klimaat-en-groene-groei",)),
    Entry("vro", "Ministerie van Volkshuisvesting en Ruimtelijke Ordening", None,
          ("Volkshuisvesting en Ruimtelijke Ordening",),
          ("rijksoverheid.nl/ministeries/ministerie-van-volkshuisvesting-en-ruimtelijke-ordening",)),
    Entry("vrom", "Ministerie van Volkshuisvesting, Ruimtelijke Ordening en Milieubeheer", None,
          ("Volkshuisvesting, Ruimtelijke Ordening en Milieubeheer",)),
    Entry("asiel", "Ministerie van Asiel en Migratie", None, ("Asiel en Migratie",)),
)

BY_CODE = {entry.code: entry for entry in REGISTRY}


def _squash(text: str) -> str:
    """Lowercase letters only: survives extraction spaces ('Inf rastructuur') and diacritics."""
    return re.sub(r"[^a-z]", "", text.lower().replace("ë", "e"))


# Longest names first, so 'Economische Zaken en Klimaat' beats 'Economische Zaken'.
_NAMES: list[tuple[str, Entry]] = sorted(
    ((_squash(name), entry) for entry in REGISTRY for name in (entry.name.removeprefix(
        "Ministerie van "), *entry.aliases)),
    key=lambda pair: len(pair[0]),
    reverse=True,
)
_PORTFOLIO = re.compile(r"\b(?:minister|staatssecretaris|ministerie)\s+(?:van|voor)\s+(.{3,90})",
                        re.IGNORECASE)


def by_code(code: str) -> Ministry | None:
    """The ministry with this routing code ('def'), else ``None``."""
    entry = BY_CODE.get(code.lower())
    return None if entry is None else entry.ministry()


def from_portfolio(text: str) -> Ministry | None:
    """Resolve from words naming the portfolio: 'Ministerie van Inf rastructuur en Waterstaat',
    'BRIEF VAN DE MINISTER VAN DEFENSIE', 'De Staatssecretaris van Financiën'. Else ``None``."""
    match = _PORTFOLIO.search(text)
    if match is None:
        return None
    squashed = _squash(match[1])
    for name, entry in _NAMES:
        if squashed.startswith(name):
            return entry.ministry()
    return None


def from_web_address(text: str) -> Ministry | None:
    """Resolve from a web address in ``text`` ('www.defensie.nl'), else ``None``."""
    lowered = text.lower()
    for entry in REGISTRY:
        if any(domain in lowered for domain in entry.domains):
            return entry.ministry()
    return None
