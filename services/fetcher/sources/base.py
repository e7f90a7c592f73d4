"""The interface every feed source implements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from services.fetcher.http import PoliteClient
from shared.schema import RawDocument


class Source(Protocol):
    """A feed. ``poll`` yields the documents that are new since the last poll.

    The fetcher publishes each yielded document and waits for the broker's confirm
    before asking for the next one, so a source may advance its own checkpoint when
    the generator resumes. Raises ``RetryLater`` when the feed cannot be read now.
    """

    name: str

    def poll(self, client: PoliteClient) -> AsyncIterator[RawDocument]: ...
