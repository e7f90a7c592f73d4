"""A letter as text: extracted from the ministry's PDF, markdown, or plain text.

This is where the letter layout is understood; the PDF, DOCX and HTML readers turn their
input into text and hand it here.
"""

from __future__ import annotations

from services.parser.draft import Draft
from services.parser.fields import (
    body,
    citations,
    footnotes,
    letterhead,
    markdown,
    ministries,
    references,
    sections,
    signatories,
)
from shared.schema import Footnote, Ministry, Signatory


def parse_text(text: str) -> Draft:
    """Read every field a letter's text gives; fields it does not give stay empty."""
    text = body.remove_boilerplate(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = markdown.to_lines(text)
    head = letterhead.read(lines)
    draft = Draft(
        document_date=head.document_date,
        subject=head.subject,
        addressee=head.addressee,
        reference=references.find_reference(lines),
        ministry=_ministry(lines, head.body_start),
    )
    body_lines = lines[head.body_start :]
    signature_at, signers = _signature(body_lines)
    draft.signatories = signers
    if draft.ministry is None:
        draft.ministry = _ministry_from_signers(signers)
    kept_lines = _without(body_lines, signature_at)
    pages = 1 + sum(1 for line in kept_lines if body.is_page_footer(line))
    kept_lines = body.strip_sidebar(kept_lines, body.running_headers(lines, pages))
    running, notes = _take_footnotes(kept_lines)
    blocks = sections.blocks_from_lines(running)
    _remove_markers(blocks, notes)
    draft.sections = sections.to_sections(blocks)
    draft.body_text = sections.body_text(draft.sections)
    draft.footnotes = notes
    draft.cites = citations.find_citations("\n".join([draft.body_text or ""] +
                                                     [note.text for note in notes]))
    return draft


# The first letters of the closings, either case: no other character lowers to an ASCII letter.
_CLOSING_FIRST = frozenset(c for closing in signatories.CLOSINGS for c in (closing[0],
                                                                           closing[0].upper()))


_MINISTRY_FIRST = frozenset("mMbB")  # 'Ministerie van …', 'BRIEF VAN DE …'


def _ministry(lines: list[str], body_start: int) -> Ministry | None:
    """From the letterhead ('Ministerie van' + the next lines) or a kst title ('BRIEF VAN DE
    MINISTER VAN …'), else from a web address."""
    for index, line in enumerate(lines):
        # Only 'm'/'M' lower() to 'm' and only 'b'/'B' upper() to 'B': other lines are
        # passed over without strip()/lower()/upper().
        if line[:1] not in _MINISTRY_FIRST and line.lstrip()[:1] not in _MINISTRY_FIRST:
            continue
        if body.is_ministry_line(line) or line.upper().startswith("BRIEF VAN DE"):
            found = ministries.from_portfolio(" ".join(lines[index : index + 3]))
            if found is not None:
                return found
    head = "\n".join(lines[: max(body_start, 40)])
    return ministries.from_web_address(head)


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
    """Take each footnote's marker out of the running text, paragraph by paragraph."""
    pending = [note.number for note in notes]
    for block in blocks:
        if not pending:
            return
        if block.heading:
            continue
        block.text, removed = footnotes.remove_markers(block.text, pending)
        pending = pending[removed:]
