"""``kamerstroom feeds serve`` answers like all three feeds on loopback."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import date
from pathlib import Path

import aiohttp
import pytest

from kamerstroom.cli import main
from kamerstroom.commands.feeds import replay_settings, serve
from services.fetcher.http import PoliteClient
from services.fetcher.main import build_sources
from services.fetcher.service import FetcherService
from services.fetcher.start import move_start, start_date_key
from services.fetcher.store import FetcherStore
from tests.integration.fetcher.conftest import FAST, Harness


async def test_feeds_serve_answers_both_feeds(capsys: pytest.CaptureFixture[str]) -> None:
    """The served SRU and SyncFeed endpoints answer 200 with their formats, and the printed
    settings include the start date that lets live polling see every replayed letter."""
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve("127.0.0.1", 0, ready, stop))
    await asyncio.wait_for(ready.wait(), timeout=10)
    printed = capsys.readouterr().out
    url = re.search(r"serving on (\S+)", printed)
    assert url is not None
    assert re.search(r"^  KAMERSTROOM_START_DATE=\d{4}-\d{2}-\d{2}$", printed, re.M)
    paths = ("/sru?query=x", "/SyncFeed/2.0/Feed?category=Document&skiptoken=0")
    try:
        async with aiohttp.ClientSession() as session:
            answers = []
            for path in paths:
                async with session.get(url.group(1) + path) as response:
                    answers.append((response.status, response.content_type))
    finally:
        stop.set()
        assert 0 == await task
    assert [(200, "application/xml"), (200, "application/atom+xml")] == answers


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


async def test_the_printed_settings_make_a_fetcher_see_every_replayed_letter(
        harness: Harness, tmp_path: Path) -> None:
    """A fetcher with the settings ``feeds serve`` prints (a data folder whose first run was
    today, moved back with ``feeds start-date`` as the printed hint says) queues every letter."""
    text = replay_settings(harness.server, harness.server.url)
    printed = dict(re.findall(r"^  (KAMERSTROOM_\w+)=(\S+)$", text, re.M))
    day = date.fromisoformat(printed["KAMERSTROOM_START_DATE"])
    settings = harness.settings.model_copy(update={
        "data_dir": tmp_path, "ob_sru_url": printed["KAMERSTROOM_OB_SRU_URL"],
        "tk_api_url": printed["KAMERSTROOM_TK_API_URL"], "start_date": None})
    store = FetcherStore(settings.db_path)
    for name in settings.sources:  # as a first run today would have left it
        store.set_checkpoint(start_date_key(name), "2026-12-02")
        move_start(store, name, day)
    store.close()
    service = FetcherService(harness.broker, FetcherStore(settings.db_path),
                             build_sources(settings), interval=3600.0, http=FAST)
    try:
        async with PoliteClient.session() as session:
            client = PoliteClient(session, FAST)
            for source in build_sources(settings):
                await service.poll_once(source, client)
    finally:
        await service.stop()
    queued = Counter(m.routing_key for m in await harness.raw())
    assert harness.server.expected_letters() == dict(queued)
