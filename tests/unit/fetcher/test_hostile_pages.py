"""Hostile or broken feed pages: a clear error the poll reports and retries, never a hang,
a crash or "nothing new"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from services.fetcher.sources.sru_page import parse_page as parse_sru
from services.fetcher.sources.syncfeed import parse_page as parse_syncfeed
from shared.errors import FeedDrift, Unprocessable

SRU_NS = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
ATOM_NS = "http://www.w3.org/2005/Atom"
# A billion-laughs bomb: ten levels of ten entity references, 10**10 'lol's if expanded.
BOMB = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">'
        + "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
        + ']>').encode()


def sru_bomb() -> bytes:
    return BOMB + f'<searchRetrieveResponse xmlns="{SRU_NS}"><numberOfRecords>&l9;' \
                  '</numberOfRecords></searchRetrieveResponse>'.encode()


def atom_bomb() -> bytes:
    return BOMB + f'<feed xmlns="{ATOM_NS}"><title>&l9;</title></feed>'.encode()


def wrong_encoding(root: str, ns: str) -> bytes:
    """A page that says UTF-16 and is UTF-8 (a proxy or a misconfigured server)."""
    return f'<?xml version="1.0" encoding="UTF-16"?><{root} xmlns="{ns}"/>'.encode()


CASES = [
    ("sru bomb", lambda: parse_sru(sru_bomb(), "u")),
    ("syncfeed bomb", lambda: parse_syncfeed(atom_bomb(), "u", "Document")),
    ("sru wrong encoding", lambda: parse_sru(wrong_encoding("searchRetrieveResponse", SRU_NS), "u")),
    ("syncfeed wrong encoding", lambda: parse_syncfeed(wrong_encoding("feed", ATOM_NS), "u", "Document")),
    ("sru cut off", lambda: parse_sru(f'<searchRetrieveResponse xmlns="{SRU_NS}"><records><rec'
                                      .encode(), "u")),
    ("syncfeed cut off", lambda: parse_syncfeed(f'<feed xmlns="{ATOM_NS}"><entry><ti'.encode(),
                                                "u", "Document")),
]


@pytest.mark.parametrize(("name", "parse"), CASES, ids=[c[0] for c in CASES])
def test_a_hostile_page_is_refused_with_a_reason(name: str, parse: Callable[[], object]) -> None:
    """Refused as drift (the poll fails, is counted and retried, the checkpoint holds) with a
    one-line reason; an entity bomb is refused by the parser's amplification limit, never
    expanded."""
    with pytest.raises((FeedDrift, Unprocessable)) as caught:
        parse()
    assert str(caught.value) and "\n" not in str(caught.value)
    if "bomb" in name:
        assert "amplification" in str(caught.value)
