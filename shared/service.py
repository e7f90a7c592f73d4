"""What every service offers the process that runs it (``kamerstroom run`` or one service)."""

from __future__ import annotations

from typing import Protocol

from shared.http import Check


class Service(Protocol):
    """A long-running service.

    ``start`` returns once the service is consuming/polling; ``stop`` stops taking new
    work and returns when work in flight is finished (the caller bounds it in time).
    """

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def checks(self) -> dict[str, Check]:
        """Readiness checks, by name, for ``/readyz``."""
        ...
