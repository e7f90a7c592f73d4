"""Wiring: build the fetcher from settings and a broker (the one place that knows both)."""

from __future__ import annotations

from services.fetcher.http import HttpOptions
from services.fetcher.lease import open_lease
from services.fetcher.service import FetcherService
from services.fetcher.sources.base import Source
from services.fetcher.sources.officielebekendmakingen import OfficieleBekendmakingen
from services.fetcher.sources.tweedekamer import TweedeKamer
from services.fetcher.store import FetcherStore
from shared.config import Settings
from shared.messaging import Broker


def build_sources(settings: Settings) -> list[Source]:
    """The sources chosen by ``KAMERSTROOM_SOURCES``, in that order."""
    available: dict[str, Source] = {
        "officielebekendmakingen": OfficieleBekendmakingen(settings.ob_sru_url),
        "tweedekamer": TweedeKamer(settings.tk_api_url, settings.database,
                                   version=settings.tk_syncfeed_version),
    }
    return [available[name] for name in settings.sources]


def http_options(settings: Settings) -> HttpOptions:
    """Politeness and limits from the settings."""
    return HttpOptions(min_interval=settings.request_interval,
                       max_bytes=settings.max_document_bytes, timeout=settings.request_timeout)


def build(settings: Settings, broker: Broker) -> FetcherService:
    """The fetcher service, ready to ``start()``."""
    return FetcherService(
        broker, FetcherStore(settings.database), build_sources(settings),
        interval=settings.poll_interval,
        http=http_options(settings), start_date=settings.start_date,
        lease=open_lease(settings.database),
    )
