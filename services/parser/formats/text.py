"""A letter as text: extracted from the ministry's PDF, markdown, or plain text.

This is where the letter layout is understood; the PDF, DOCX and HTML readers turn their
input into a :class:`Source` (lines, and what the layout already separated) and hand it here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from services.parser.draft import Draft
from services.parser.fields import (
    body,
    citations,
    footnotes,
    kamerstuk,
    letterhead,
    markdown,
    ministries,
    references,
    sections,
    signatories,
)
from shared.schema import Footnote, Ministry, Signatory


def _line_number(index: int) -> str:
    return f"line {index + 1}"


@dataclass
class Source:
    """What the letter reader reads.

    ``lines`` are the running text's printed lines (for plain text: all of them);
    ``where(i)`` says where line ``i`` stands in the input ('line 12', 'page 1, box …').
    A reader that sorted the page by its layout passes the colofon column apart
    (``colofon``, with ``colofon_where``) and the footnotes it found (``notes``: their
    markers are already out of ``lines``); ``notes=None`` means: find them in the text.
    """

    lines: list[str]
    where: Callable[[int], str] = _line_number
    colofon: list[str] = field(default_factory=list)
    colofon_where: Callable[[int], str] = _line_number
    notes: list[Footnote] | None = None
    note_where: list[str] = field(default_factory=list)
    pages: int | None = None


def parse_text(text: str) -> Draft:
    """Read every field a letter's text gives; fields it does not give stay empty."""
    # The boilerplate leaves its line breaks, so 'line N' in origins is the input's line N.
    text = body.remove_boilerplate(text.replace("\r\n", "\n").replace("\r", "\n"),
                                   keep_lines=True)
    return read_letter(Source(markdown.to_lines(text)))


def read_letter(source: Source) -> Draft:
    """Every field ``source`` gives, with ``origins`` saying where each came from."""
    lines = source.lines
    head = letterhead.read(lines)
    stuk = kamerstuk.read(lines)
    draft = Draft(subject=head.subject, addressee=head.addressee,
                  vergaderjaar=stuk.vergaderjaar, dossier=stuk.dossier,
                  ondernummer=stuk.ondernummer)
    _note_origins(draft, head.origins, "letterhead", source.where)
    _note_origins(draft, stuk.origins, "Kamerstuk head", source.where)
    _date(draft, head, stuk, source)
    _reference(draft, source)
    draft.ministry = _ministry(lines, head.body_start, draft, source)
    start = max(head.body_start, stuk.end + 1)
    body_lines = lines[start:]
    signature_at, signers = _signature(body_lines)
    draft.signatories = signers
    if signers:
        draft.origins["signatories"] = "signature block after the closing formula"
    if draft.ministry is None:
        draft.ministry = _ministry_from_signers(signers)
        if draft.ministry is not None:
            draft.origins["ministry"] = "the signer's role"
    _running_text(draft, _without(body_lines, signature_at), lines, source)
    if draft.body_text is not None and start < len(lines):
        origin = (f"running text from {source.where(start)} on, without letterhead, sidebar, "
                  "page feet and signature")
        draft.origins["body_text"] = draft.origins["sections"] = origin
    return draft


def _note_origins(draft: Draft, origins: dict[str, int], rule: str,
                  where: Callable[[int], str]) -> None:
    for name, index in origins.items():
        draft.origins[name] = f"{rule} ({name.replace('_', ' ')}), {where(index)}"


def _date(draft: Draft, head: letterhead.Letterhead, stuk: kamerstuk.KamerstukHead,
          source: Source) -> None:
    """The letterhead's date; else the colofon's 'Datum'; else a motie's 'Voorgesteld'."""
    draft.document_date = head.document_date
    if draft.document_date is None and source.colofon:
        colofon = letterhead.read_colofon(source.colofon)
        draft.document_date = colofon.document_date
        _note_origins(draft, colofon.origins, "colofon 'Datum'", source.colofon_where)
    if draft.document_date is None and stuk.document_date is not None:
        draft.document_date = stuk.document_date
        _note_origins(draft, {"document_date": stuk.origins["document_date"]},
                      "Kamerstuk head 'Voorgesteld'", source.where)


def _reference(draft: Draft, source: Source) -> None:
    """The reference under its label: in the colofon column when there is one, else the text."""
    for lines, where, place in ((source.colofon, source.colofon_where, "colofon"),
                                (source.lines, source.where, "letterhead")):
        found = references.find_reference_at(lines)
        if found is not None:
            draft.reference = found[0]
            draft.origins["reference"] = f"{place} reference label, {where(found[1])}"
            return


def _running_text(draft: Draft, kept_lines: list[str], lines: list[str],
                  source: Source) -> None:
    """Sections, body text, footnotes and citations from the body's lines."""
    pages = source.pages or 1 + sum(1 for line in kept_lines if body.is_page_footer(line))
    kept_lines = body.strip_sidebar(kept_lines, body.running_headers(lines, pages))
    if source.notes is None:
        running, notes = _take_footnotes(kept_lines)
        blocks = sections.blocks_from_lines(running)
        _remove_markers(blocks, notes)
        if notes:
            draft.origins["footnotes"] = "numbered lines at the foot of each page"
    else:
        notes = source.notes
        blocks = sections.blocks_from_lines(kept_lines)
        if notes:
            draft.origins["footnotes"] = "page foot in small type: " + "; ".join(
                source.note_where[:3]) + ("; …" if len(source.note_where) > 3 else "")
    draft.sections = sections.to_sections(blocks)
    draft.body_text = sections.body_text(draft.sections)
    draft.footnotes = notes
    draft.cites = citations.find_citations("\n".join([draft.body_text or ""] +
                                                     [note.text for note in notes]))
    if draft.cites:
        draft.origins["cites"] = "Kamerstuk citations in the body text and footnotes"


# The first letters of the closings, either case: no other character lowers to an ASCII letter.
_CLOSING_FIRST = frozenset(c for closing in signatories.CLOSINGS for c in (closing[0],
                                                                           closing[0].upper()))


_MINISTRY_FIRST = frozenset("mMbB")  # 'Ministerie van …', 'BRIEF VAN DE …'


def _ministry(lines: list[str], body_start: int, draft: Draft,
             source: Source) -> Ministry | None:
    """From the letterhead ('Ministerie van' + the next lines) or a kst title ('BRIEF VAN DE
    MINISTER VAN …'), in the colofon column or the text, else from a web address."""
    for place, candidates, where in (("colofon", source.colofon, source.colofon_where),
                                     ("text", lines, source.where)):
        found = _ministry_line(candidates)
        if found is not None:
            draft.origins["ministry"] = f"ministry letterhead line ({place}), {where(found[1])}"
            return found[0]
    head = "\n".join(source.colofon + lines[: max(body_start, 40)])
    ministry = ministries.from_web_address(head)
    if ministry is not None:
        draft.origins["ministry"] = "the ministry's web address in the letterhead"
    return ministry


def _ministry_line(lines: list[str]) -> tuple[Ministry, int] | None:
    for index, line in enumerate(lines):
        # Only 'm'/'M' lower() to 'm' and only 'b'/'B' upper() to 'B': other lines are
        # passed over without strip()/lower()/upper().
        if line[:1] not in _MINISTRY_FIRST and line.lstrip()[:1] not in _MINISTRY_FIRST:
            continue
        if body.is_ministry_line(line) or line.upper().startswith("BRIEF VAN DE"):
            found = ministries.from_portfolio(" ".join(lines[index : index + 3]))
            if found is not None:
                return found, index
    return None


def _ministry_from_signers(signers: list[Signatory]) -> Ministry | None:
    for signer in signers:
        found = ministries.from_portfolio(signer.role or "")
        if found is not None:
            return found
    return None


def _signature(lines: list[str]) -> tuple[tuple[int, int] | None, list[Signatory]]:
    """Where the signature block is (start, end index) and who signed."""
    start = _closing_index(lines)
    if start is None:
        return None, []
    end = start + 1
    while end < len(lines) and end - start <= 10:
        text = lines[end].strip()
        if text and not (signatories.is_role(text) or signatories.is_name(text)):
            break
        end += 1
    signers = signatories.parse_block(lines[start:end])
    return ((start, end), signers) if signers else (None, [])


def _closing_index(lines: list[str]) -> int | None:
    """The closing formula ('Hoogachtend,'), or else the last role line near the end."""
    for index, line in enumerate(lines):
        # A line that cannot start with a closing is passed over without lower().
        if line.lstrip()[:1] in _CLOSING_FIRST and (
                line.strip().lower().rstrip(",").startswith(signatories.CLOSINGS)):
            return index
    tail = max(0, len(lines) - 12)
    for index in range(len(lines) - 1, tail - 1, -1):
        if signatories.is_role(lines[index]):
            before = index - 1
            has_name_before = before >= 0 and signatories.is_name(lines[before])
            return before if has_name_before and not _is_paragraph(lines, before) else index
    return None


def _is_paragraph(lines: list[str], index: int) -> bool:
    return len(lines[index].strip()) > 60


def _without(lines: list[str], span: tuple[int, int] | None) -> list[str]:
    """``lines`` without the signature span."""
    if span is None:
        return lines
    return lines[: span[0]] + lines[span[1] :]


def _take_footnotes(lines: list[str]) -> tuple[list[str], list[Footnote]]:
    """Running lines without page footers, and the footnotes found at each page's foot."""
    running: list[str] = []
    notes: list[Footnote] = []
    page: list[str] = []
    for line in [*lines, "Pagina 0 van 0"]:
        if body.is_page_footer(line):
            text, found = footnotes.split_page(page, len(notes) + 1)
            running.extend(text)
            notes.extend(found)
            page = []
        else:
            page.append(line)
    return running, notes


def _remove_markers(blocks: list[sections.Block], notes: list[Footnote]) -> None:
    """Take each footnote's marker out of the running text, paragraph by paragraph.

    Markers come in order. One the text does not show as a marker ('Deltacommissaris 1 en',
    spaced and followed by a word) is given up once the next one is found in the same
    paragraph, so it does not hold back every marker after it.
    """
    pending = [note.number for note in notes]
    for block in blocks:
        if not pending:
            return
        if block.heading:
            continue
        block.text, removed = footnotes.remove_markers(block.text, pending)
        if removed == 0 and len(pending) > 1 and pending[1] in block.text:
            text, skipped = footnotes.remove_markers(block.text, pending[1:])
            if skipped:
                block.text, removed = text, skipped + 1
        pending = pending[removed:]
