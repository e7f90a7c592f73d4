"""Body cleaning: what in a letter's text is letterhead, sidebar, footer or boilerplate.

Ministry letters come out of PDF with the address sidebar, 'Kenmerk' column and page
footers interleaved with the running text; these predicates and filters recognise them.
All patterns are anchored and bounded so that a 10 MB document cannot make them backtrack.
"""

from __future__ import annotations

import re
from collections import Counter

_FOOTER = re.compile(r"^P\s?agina\s{1,3}\d{1,4}\s{1,3}van\s{1,3}\d{1,4}$", re.IGNORECASE)
_POSTCODE = re.compile(r"^(?:\d\s?){4}\s?[A-Z]\s?[A-Z]\b")
_ADDRESS = re.compile(
    r"^(?:P\s?ostbus\s|T\s[\d\s()+-]{6,}|F\s[\d\s()+-]{6,}|E\s\S+@|"
    r"(?:https?://)?www\.[\w-]{1,60}(?:\.[\w-]{1,60}){1,3}/?$|"
    # 'www.rijksoverheid.nl/ezk': a colofon's site has one short path part and no scheme
    # (a footnote's URL, also alone on its line, has a scheme or a longer path).
    r"www\.[\w-]{1,60}(?:\.[\w-]{1,60}){1,3}/[\w-]{1,30}$|"
    r"\S+@\S+\.\w{2,6}$|MPC\s)",
    re.IGNORECASE,
)
_STREET = re.compile(r"^[A-Z][\w’'.-]{1,30}(?:\s[\w’'.-]{1,20}){0,2}\s\d{1,4}(?:\s?[a-zA-Z])?$")
_LABELS = re.compile(
    r"^(?:onze\s+referentie|ons\s+kenmerk|uw\s+kenmerk|uw\s+brief|kenmerk|bijlage\(?n?\)?|"
    r"bijlagen|contactpersoon|inlichtingen|doorkiesnummer|datum|betreft|onderwerp|"
    r"bezoekadres|postadres|overheidsidentificatienr|overheidsidentificatienummer|"
    r"telefoon|e-?mail)\s*:?$",
    re.IGNORECASE,
)
# 'Bij beantwoording datum, onze referentie en betreft vermelden.' over any line breaks.
_BOILERPLATE = re.compile(
    r"Bij\s{1,5}beantwoording[^.]{0,160}?vermelden\.?|"
    r"Correspondentie\s{1,5}uitsluitend\s{1,5}richten\s{1,5}aan\s{1,5}het\s{1,5}retouradres"
    r"[^.]{0,80}\.?",
    re.IGNORECASE,
)


# Cheap tests that rule a pattern out before it runs. Each is a superset of what the
# pattern can match, case-insensitive equivalents included (none of these letters has
# one outside ASCII; 'i' and 'k' have, and are listed).
_ADDRESS_FIRST = frozenset("PTFEWHMptfewhm")
_LABEL_FIRST = frozenset("OUKBCIDPTEoukbcidpte\u0130\u0131\u212a")


# A line that can be a ministry line, address, label or return address starts with one of
# these (or holds an '@'): every other line is tested with one match instead of five.
_SIDEBAR_HINT = re.compile(
    r"\d|P\s?ostbus\s|[TFE]\s|https?://|www\.|MPC\s|ministerie van|>? ?retouradres|"
    r"onze\s|ons\s|uw\s|kenmerk|bijlage|contactpersoon|inlichtingen|doorkiesnummer|datum|"
    r"betreft|onderwerp|bezoekadres|postadres|overheidsidentificatien|telefoon|e-?mail|"
    r"directoraat-generaal\s|directie\s",
    re.IGNORECASE,
)


def remove_boilerplate_lines(lines: list[str]) -> list[str]:
    """``lines`` without the boilerplate sentences, one line for each line given (a sentence
    over several lines leaves them empty), so line indices keep pointing at the input."""
    joined = "\n".join(lines)
    if "eantwoord" not in joined and "orrespondent" not in joined:
        return lines
    return remove_boilerplate(joined, keep_lines=True).split("\n")


def remove_boilerplate(text: str, *, keep_lines: bool = False) -> str:
    """``text`` without the standard 'Bij beantwoording … vermelden.' style sentences.

    With ``keep_lines`` each removed sentence leaves the line breaks it held.
    """
    starts = _boilerplate_starts(text)
    if starts is None:
        return _BOILERPLATE.sub(lambda m: "\n" * m[0].count("\n") if keep_lines else "", text)
    kept: list[str] = []
    position = 0
    for start in starts:  # what sub() removes, matching only where a sentence can start
        if start < position:
            continue
        found = _BOILERPLATE.match(text, start)
        if found:
            kept.append(text[position:start])
            if keep_lines:
                kept.append("\n" * found[0].count("\n"))
            position = found.end()
    kept.append(text[position:])
    return "".join(kept)


def _boilerplate_starts(text: str) -> list[int] | None:
    """Every index where a boilerplate sentence can start, in order (``None``: unknown).

    The case-insensitive pattern, searched, is tried at every character of the letter.
    Each match holds 'beantwoord' 4-8 characters after its start ('Bij' and 1-5 spaces) or
    'pondent' 6 after it ('Corres'); none of their letters has a case-insensitive match
    outside ASCII, so they are in the lowered text, at the same index when lower() kept
    the length.
    """
    lowered = text.lower()
    if len(lowered) != len(text):
        return None
    starts: set[int] = set()
    for word, offsets in (("beantwoord", range(4, 9)), ("pondent", (6,))):
        at = lowered.find(word)
        while at >= 0:
            starts.update(at - offset for offset in offsets if at >= offset)
            at = lowered.find(word, at + 1)
    return sorted(starts)


def is_page_footer(line: str) -> bool:
    """'Pagina 1 van 8' (also as extracted: 'P agina 1 van 7')."""
    first = line[:1]
    if first not in ("P", "p") and not first.isspace():
        return False  # the common case, decided without strip()
    text = line.strip()
    return text[:1] in ("P", "p") and bool(_FOOTER.match(text))


def is_address(line: str) -> bool:
    """Postcode, Postbus, phone, fax, e-mail and web lines of an address block."""
    text = line.strip()
    if text[:1].isdigit() and _POSTCODE.match(text):
        return True
    return (text[:1] in _ADDRESS_FIRST or "@" in text) and bool(_ADDRESS.match(text))


def is_street(line: str) -> bool:
    """'Plein 4', 'Rijnstraat 8', 'Bezuidenhoutseweg 67': only trusted inside a sidebar."""
    return bool(_STREET.match(line.strip()))


def is_label(line: str) -> bool:
    """A letterhead label standing alone on its line ('Onze referentie', 'Bijlage(n)')."""
    text = line.strip()
    return text[:1] in _LABEL_FIRST and bool(_LABELS.match(text))


def running_headers(lines: list[str], pages: int) -> set[str]:
    """Short lines repeated on most pages: the ministry name and reference of each sidebar."""
    # A line that ends a sentence is content, however often it recurs.
    counts = Counter(
        text for text in (line.strip() for line in lines)
        if 0 < len(text) <= 60 and text[-1] not in ".!?;:"
    )
    threshold = max(3, (pages + 1) // 2)
    return {line for line, count in counts.items() if count >= threshold}


def is_ministry_line(line: str) -> bool:
    """The first line of a ministry's letterhead ('Ministerie van', 'Ministerie van Defensie')."""
    return line.strip().lower().startswith("ministerie van") and len(line.strip()) <= 70


def strip_sidebar(lines: list[str], headers: set[str]) -> list[str]:
    """Drop the sidebar blocks, running headers, label/value pairs and address lines.

    Page footers are kept: the footnote step still needs the page breaks.
    """
    kept: list[str] = []
    in_sidebar = False
    skip_value = False
    for line in lines:
        text = line.strip()
        if skip_value and text:
            skip_value = False
            continue
        if not text:
            kept.append(line)
            continue
        # Most lines are running text: ruled out here without the call below.
        if not (in_sidebar or text in headers or "@" in text or _SIDEBAR_HINT.match(text)):
            kept.append(line)
            continue
        if in_sidebar and is_page_footer(text):
            # 'Pagina 5 van 8' has the shape of a street and number: it ends the sidebar.
            in_sidebar = False
            kept.append(line)
            continue
        if _sidebar_line(text, headers, in_sidebar):
            in_sidebar = True
            skip_value = is_label(text)
            continue
        in_sidebar = False
        kept.append(line)
    return kept


def _sidebar_line(text: str, headers: set[str], in_sidebar: bool) -> bool:
    if text in headers:
        return True
    if not ("@" in text or _SIDEBAR_HINT.match(text)):
        return in_sidebar and (is_street(text) or len(text) <= 3)
    if is_ministry_line(text) or is_address(text) or is_label(text):
        return True
    if text.lower().startswith(("retouradres", "> retouradres")):
        return True
    return in_sidebar and (is_street(text) or len(text) <= 3)
