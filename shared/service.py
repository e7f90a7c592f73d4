"""What every service offers the process that runs it (``kamerstroom run`` or one service)."""

from __future__ import annotations

from typing import Protocol

from shared.http import Check


class Service(Protocol):
    """A long-running service.

    ``start`` returns once the service is consuming/polling. ``begin_shutdown`` is called
    for every service of the process at the first SIGTERM, before any ``stop``: from then on
    it starts nothing new (no poll, no handler's work, no webhook attempt; a message it is
    handed goes back to the broker). ``stop`` then returns when work in flight is finished
    (the caller bounds it in time).
    """

    name: str

    async def start(self) -> None: ...

    def begin_shutdown(self) -> None: ...

    async def stop(self) -> None: ...

    def checks(self) -> dict[str, Check]:
        """Readiness checks, by name, for ``/readyz``."""
        ...
