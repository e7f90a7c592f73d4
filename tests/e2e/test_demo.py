"""``make demo`` shows only facts from real recordings, or says a value is constructed."""

from __future__ import annotations

import re

import pytest

from kamerstroom.demo import run_demo
from shared.config import Settings

# The replay's moties and other Kamerstukken that are not letters (recorded documents).
NOT_LETTERS = ("kst-24515-782", "kst-31839-1105", "kst-33009-173", "kst-32545-143")
LINE = re.compile(r"^queue +<- (\w+) (\S+) \[kamerbrief\.\w+\.(\w+)\] (.*)$")


@pytest.mark.timeout(180)
async def test_the_demo_prints_no_invented_ministry_and_no_non_letter(
        settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    """Every event is a letter; a ministry is routed only where a document states it, and such
    an event built on a constructed document says so; both receivers got every event once."""
    assert 0 == await run_demo(settings)
    out, err = capsys.readouterr()
    assert "admin API is off" not in out + err  # the demo's output carries no stray warning
    events = [m.groups() for line in out.splitlines() if (m := LINE.match(line))]

    assert events, out
    assert [] == [e for e in events if e[1] in NOT_LETTERS]
    # No DocumentActor is recorded for the replayed Tweede Kamer letters: no ministry for them.
    assert {"unknown"} == {ministry for _, ident, ministry, _ in events if ident.startswith("tk-")}
    routed = [(ident, rest) for _, ident, ministry, rest in events if ministry != "unknown"]
    assert routed and all("(CONSTRUCTED: constructed document)" in rest for _, rest in routed)
    assert re.search(r"0 duplicates: ok$", out.strip().splitlines()[-1])
