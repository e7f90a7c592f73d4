"""``kamerstroom run`` (all three services) and ``fetcher`` / ``parser`` / ``publisher``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from kamerstroom.runtime import serve
from shared.config import load_settings
from shared.logging import configure_logging

if TYPE_CHECKING:
    from kamerstroom.commands import Subparsers

SERVICES = ("fetcher", "parser", "publisher")


def register(subparsers: Subparsers) -> None:
    run = subparsers.add_parser("run", help="run all three services in one process")
    run.set_defaults(func=lambda args: _serve(SERVICES))
    for name in SERVICES:
        one = subparsers.add_parser(name, help=f"run the {name} service on its own")
        one.set_defaults(func=lambda args, name=name: _serve((name,)))


def _serve(names: tuple[str, ...]) -> int:
    settings = load_settings()
    settings.check_data_dir()
    configure_logging(settings.log_format, settings.log_level)
    return asyncio.run(serve(settings, names))


__all__ = ["register"]
