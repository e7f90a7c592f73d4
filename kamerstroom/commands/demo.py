"""``kamerstroom demo``: the pipeline end to end on replayed real feed responses."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from kamerstroom.demo import run_demo
from shared.config import load_settings
from shared.logging import configure_logging

if TYPE_CHECKING:
    from kamerstroom.commands import Subparsers


def register(subparsers: Subparsers) -> None:
    demo = subparsers.add_parser("demo", help="run the pipeline on replayed real feed responses")
    demo.set_defaults(func=_demo)


def _demo(_: object) -> int:
    settings = load_settings()
    # People read the demo: show events, keep the service logs to warnings.
    configure_logging("console", "warning")
    return asyncio.run(run_demo(settings))
