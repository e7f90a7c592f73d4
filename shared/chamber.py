"""Which chamber a Kamerstuk belongs to, read from evidence; never guessed.

Evidence, strongest first:

* the creator the publication names (``dcterms:creator`` / ``DC.creator`` with scheme
  ``OVERHEID.StatenGeneraal``): "Tweede Kamer der Staten-Generaal" or "Eerste Kamer der
  Staten-Generaal". Other values (a recorded record says "overige") are no evidence;
* a lettered ondernummer (``kst-36867-B``): only the Eerste Kamer numbers its Kamerstukken
  with letters. A numeric ondernummer says nothing (it is not proof of the Tweede Kamer).

When two pieces of evidence disagree the answer is ``None``: a record says what it can
read, not what is likely.
"""

from __future__ import annotations

import re

from shared.schema import Chamber

_CREATORS: dict[str, Chamber] = {
    "tweede kamer der staten-generaal": "tk",
    "eerste kamer der staten-generaal": "ek",
}
_LETTERED = re.compile(r"[A-Z]{1,3}")


def from_creator(text: str | None) -> Chamber | None:
    """``tk``/``ek`` when ``text`` is exactly one of the two chambers' names."""
    return _CREATORS.get(" ".join((text or "").split()).casefold())


def from_ondernummer(ondernummer: str | None) -> Chamber | None:
    """``ek`` for a lettered ondernummer (``B``, ``AB``); ``None`` for anything else."""
    return "ek" if _LETTERED.fullmatch((ondernummer or "").strip()) else None


def from_identifier(identifier: str | None) -> Chamber | None:
    """``ek`` when a ``kst-`` identifier ends in a lettered ondernummer (``kst-36867-B``).

    Needs at least dossier and ondernummer (``kst-<dossier>-<nr>``), so a bare toevoeging
    such as ``XII`` is never read as an ondernummer.
    """
    parts = (identifier or "").split("-")
    if len(parts) < 3 or parts[0] != "kst":
        return None
    return from_ondernummer(parts[-1])


def decide(*evidence: Chamber | None) -> Chamber | None:
    """The chamber all non-empty pieces of evidence agree on; ``None`` if none or they differ."""
    found = {e for e in evidence if e is not None}
    return found.pop() if len(found) == 1 else None
