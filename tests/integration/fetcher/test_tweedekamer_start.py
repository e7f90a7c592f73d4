"""The SyncFeed's first run: each category's start found by bisection, not by a walk from 0."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from yarl import URL

from kamerstroom.feedserver.tweedekamer import PAGE_SIZE, VirtualFeed
from services.fetcher.http import PoliteClient
from services.fetcher.sources.tweedekamer import TweedeKamer
from tests.integration.fetcher.conftest import FAST, Harness

TEN_MILLION = 10_000_000
START = date(2026, 11, 28)
MAX_REQUESTS = 40  # the target for one category of 10 million entries


def virtual_feed(last: datetime) -> VirtualFeed:
    return VirtualFeed(TEN_MILLION, datetime(2008, 1, 1, tzinfo=UTC), last)


def start_moment(day: date) -> datetime:
    return datetime.combine(day, time(), ZoneInfo("Europe/Amsterdam")).astimezone(UTC)


def feed_pages(harness: Harness, category: str) -> list[int]:
    tokens = []
    for path in harness.server.faults.requests:
        url = URL(path)
        if url.path.endswith("/Feed") and url.query["category"] == category:
            tokens.append(int(url.query["skiptoken"]))
    return tokens


async def test_the_start_of_a_ten_million_entry_category_takes_at_most_40_requests(
        harness: Harness) -> None:
    """Bisection lands on the last page before the start date, counted on the server, for
    starts early, in the middle and near the end of the feed."""
    feed = virtual_feed(datetime(2026, 12, 1, tzinfo=UTC))
    harness.server.tweedekamer.virtual = feed
    source = TweedeKamer(harness.server.tk_url, harness.settings.db_path)
    found = []
    async with PoliteClient.session() as session:
        client = PoliteClient(session, FAST)
        for day in (date(2009, 3, 1), date(2017, 6, 15), START):
            harness.server.faults.requests.clear()
            token = await source.locate_start(client, "Document", day)
            truth = feed.resume_token(start_moment(day))
            found.append((token, truth, len(feed_pages(harness, "Document"))))

    for token, truth, requests in found:
        assert token <= truth < token + PAGE_SIZE  # nothing changed on the day is skipped
        assert requests <= MAX_REQUESTS


async def test_a_first_run_reads_only_the_pages_from_the_start_date(harness: Harness) -> None:
    """A whole first poll of a ten-million-entry feed (every category) stays within the
    bisection budget plus the few pages changed since the start date."""
    feed = virtual_feed(start_moment(START) + timedelta(hours=2))  # ~60 entries after it
    harness.server.tweedekamer.virtual = feed
    service = harness.service(start_date=START)
    tally = await harness.poll("tweedekamer", service)
    await service.stop()
    truth = feed.resume_token(start_moment(START))

    assert 0 == tally.queued  # the virtual feed holds only tombstones
    for category in ("Kamerstukdossier", "DocumentActor", "Document"):
        tokens = feed_pages(harness, category)
        walked = [t for t in tokens if t >= truth - PAGE_SIZE]
        assert len(tokens) <= MAX_REQUESTS + 3
        assert truth - PAGE_SIZE <= min(walked) <= truth
        assert TEN_MILLION - tokens[-1] <= PAGE_SIZE  # and walked to the end
