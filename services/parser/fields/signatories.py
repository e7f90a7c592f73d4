"""Signature blocks: one or more signers, 'role, then name' or 'name, then role'.

Roles are normalised in case: 'DE MINISTER VAN DEFENSIE,' -> 'De Minister van Defensie'.
"""

from __future__ import annotations

import re

from shared.schema import Signatory

_ROLE = re.compile(
    r"^(?:de\s+)?(?:minister(?:-president)?|staatssecretaris|eerste\s+minister|"
    r"minister\s+van\s+staat)\b(?:\s+(?:van|voor)\s+\S.{0,90})?,?$",
    re.IGNORECASE,
)
_NAME = re.compile(r"^(?:(?:drs|dr|mr|ir|prof|ing|mw|dhr)\.\s?)*[A-Z][\w.'’\- ]{1,60}$")
_SMALL = {"van", "voor", "en", "der", "de", "het"}
CLOSINGS = ("hoogachtend", "met vriendelijke groet", "met de meeste hoogachting")


def is_role(line: str) -> bool:
    """True when ``line`` on its own names a signer's office ('DE MINISTER VAN DEFENSIE,')."""
    return bool(_ROLE.match(line.strip()))


def normalise_role(role: str) -> str:
    """Sentence the role: capitalised words except Dutch particles; the first word capitalised."""
    words = role.strip().rstrip(",").split()
    out = [w.lower() if w.lower() in _SMALL else _capitalise(w) for w in words]
    if out:
        out[0] = _capitalise(out[0])
    return " ".join(out)


def _capitalise(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


def is_name(line: str) -> bool:
    """True for a short line that can be a person's name ('drs. K.H. Ollongren')."""
    text = line.strip()
    return bool(_NAME.match(text)) and not is_role(text) and not text.endswith((".", ":"))


def parse_block(lines: list[str]) -> list[Signatory]:
    """Signers in ``lines`` (the block after the closing formula), in order.

    A role line pairs with the name line after it; a name line followed by a role line
    (and not preceded by one) is 'name, then role'.
    """
    found: list[Signatory] = []
    texts = [line.strip() for line in lines if line.strip()]
    index = 0
    while index < len(texts):
        current = texts[index]
        following = texts[index + 1] if index + 1 < len(texts) else ""
        if is_role(current):
            name = following if following and is_name(following) else None
            found.append(Signatory(name=name, role=normalise_role(current)))
            index += 2 if name else 1
        elif is_name(current) and is_role(following):
            found.append(Signatory(name=current, role=normalise_role(following)))
            index += 2
        else:
            index += 1
    return found
