"""``subscribe --summary``: one line per event, readable without a title."""

from __future__ import annotations

from kamerstroom.commands.subscribe import describe
from kamerstroom.receivers import Received


def received(data: dict[str, object], **event: object) -> Received:
    body = {"subject": data.get("id"), "data": data, **event}
    return Received(body=body, headers={}, routing_key="kamerbrief.published.def")


def test_a_letter_without_a_title_shows_its_subject_ministry_and_date() -> None:
    """A PDF letter (no title) shows its Betreft, the ministry code and the letter's date."""
    line = describe(received({"id": "tk-2025D41001", "version": 1, "title": None,
                              "subject": "Verzamelbrief justitiële jeugd",
                              "document_date": "2025-09-30", "ministry": {"code": "jenv"}}))
    assert ("kamerbrief.published.def  tk-2025D41001  v1  2025-09-30  jenv  "
            "Verzamelbrief justitiële jeugd") == line


def test_unknown_fields_show_as_dashes_and_changes_are_listed() -> None:
    """No date, ministry, title or subject: dashes and a placeholder; changed fields follow."""
    line = describe(received({"id": "kst-1-2", "version": 3}, changedfields="subject,ministry"))
    assert ("kamerbrief.published.def  kst-1-2  v3  -  -  (no title or subject)  "
            "[changed: subject, ministry]") == line
