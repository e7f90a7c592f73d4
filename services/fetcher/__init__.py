"""The fetcher: polls the official feeds and queues each new or changed letter as raw."""

from services.fetcher.main import build

__all__ = ["build"]
