"""``kamerstroom feeds serve`` answers like all three feeds on loopback."""

from __future__ import annotations

import asyncio
import re

import aiohttp
import pytest

from kamerstroom.cli import main
from kamerstroom.commands.feeds import serve


async def test_feeds_serve_answers_all_three_feeds(capsys: pytest.CaptureFixture[str]) -> None:
    """The served SRU, SyncFeed and rijksoverheid endpoints answer 200 with their formats."""
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve("127.0.0.1", 0, ready, stop))
    await asyncio.wait_for(ready.wait(), timeout=10)
    url = re.search(r"serving on (\S+)", capsys.readouterr().out)
    assert url is not None
    paths = ("/sru?query=x", "/SyncFeed/2.0/Feed?category=Document&skiptoken=0",
             "/v1/sources/rijksoverheid/documents?output=json")
    try:
        async with aiohttp.ClientSession() as session:
            answers = []
            for path in paths:
                async with session.get(url.group(1) + path) as response:
                    answers.append((response.status, response.content_type))
    finally:
        stop.set()
        assert 0 == await task
    assert [(200, "application/xml"), (200, "application/atom+xml"),
            (200, "application/json")] == answers


def test_backfill_refuses_an_until_before_since(capsys: pytest.CaptureFixture[str]) -> None:
    """``--until`` before ``--since`` is one clear error line and exit status 2."""
    status = main(["backfill", "--source", "tweedekamer", "--since", "2025-02-01",
                   "--until", "2025-01-01"])
    assert 2 == status
    assert "is before --since" in capsys.readouterr().err


def test_backfill_refuses_a_bad_date(capsys: pytest.CaptureFixture[str]) -> None:
    """A date that is not YYYY-MM-DD is a usage error naming the value."""
    with pytest.raises(SystemExit) as exited:
        main(["backfill", "--source", "tweedekamer", "--since", "yesterday"])
    assert 2 == exited.value.code
    assert "not a date (YYYY-MM-DD): 'yesterday'" in capsys.readouterr().err
