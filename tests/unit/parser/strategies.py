"""Hypothesis strategies for the parser's property tests: raw bytes, mutated real documents,
and letters built from generated paragraphs."""

from __future__ import annotations

from hypothesis import strategies as st

# Ordinary Dutch words: none is a letterhead label, role, month or ministry name.
WORDS = (
    'water', 'bodem', 'kabinet', 'beleid', 'gemeente', 'provincie', 'regio', 'landbouw',
    'natuur', 'ruimte', 'woningbouw', 'transitie', 'maatregel', 'keuze', 'toekomst', 'onderzoek',
    'kennis', 'uitvoering', 'afspraak', 'partijen', 'rivier', 'dijk', 'kust', 'zand',
    'grond', 'plan', 'programma', 'doel', 'inzet', 'aanpak', 'gebied', 'stad',
    'dorp', 'weg', 'spoor', 'haven', 'energie', 'klimaat', 'droogte', 'regen',
    'wind', 'zon', 'veiligheid', 'gezondheid', 'zorg', 'school', 'werk',
)


@st.composite
def sentences(draw: st.DrawFn) -> str:
    """One sentence: capitalised first word, ordinary words, a full stop."""
    words = draw(st.lists(st.sampled_from(WORDS), min_size=4, max_size=18))
    return " ".join([words[0].capitalize(), *words[1:]]) + "."


@st.composite
def paragraphs(draw: st.DrawFn) -> str:
    """A paragraph of one to five sentences."""
    return " ".join(draw(st.lists(sentences(), min_size=1, max_size=5)))


def letter(body: list[str], *, printed: bool) -> str:
    """A letter around ``body``: letterhead, salutation, closing and signature.

    ``printed`` lays it out as PDF extraction does (one printed line per line, no blank
    lines); otherwise paragraphs are separated by blank lines as in markdown or DOCX.
    """
    head = ["> Retouradres Postbus 20901 2500 EX Den Haag",
            "De voorzitter van de Tweede Kamer", "der Staten-Generaal", "Postbus 20018",
            "2500 EA DEN HAAG", "Datum 3 februari 2023", "Betreft Een onderwerp",
            "Geachte voorzitter,"]
    tail = ["Hoogachtend,", "DE MINISTER VAN DEFENSIE,", "drs. K.H. Ollongren"]
    if printed:
        lines = [line for paragraph in body for line in wrap(paragraph, 80)]
        return "\n".join(head + lines + tail)
    return "\n\n".join(head + body + tail)


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap."""
    lines: list[str] = []
    current: list[str] = []
    for word in text.split():
        if current and len(" ".join([*current, word])) > width:
            lines.append(" ".join(current))
            current = []
        current.append(word)
    if current:
        lines.append(" ".join(current))
    return lines


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` truncated, with bytes deleted, replaced or inserted at random places."""
    data = bytearray(original[: draw(st.integers(0, len(original)))])
    for _ in range(draw(st.integers(0, 8))):
        if not data:
            break
        position = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(("delete", "replace", "insert")))
        chunk = draw(st.binary(min_size=1, max_size=16))
        if action == "delete":
            del data[position : position + len(chunk)]
        elif action == "replace":
            data[position : position + len(chunk)] = chunk
        else:
            data[position:position] = chunk
    return bytes(data)
