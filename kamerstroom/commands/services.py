"""``kamerstroom run`` (all three services) and ``fetcher`` / ``parser`` / ``publisher``."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from kamerstroom import supervised
from kamerstroom.parser_process import PROCESS
from kamerstroom.runtime import parser_in_child, serve
from shared.config import load_settings
from shared.logging import configure_logging

if TYPE_CHECKING:
    from kamerstroom.commands import Subparsers

SERVICES = ("fetcher", "parser", "publisher")


def register(subparsers: Subparsers) -> None:
    run = subparsers.add_parser("run", help="run all three services (the parser in a child "
                                            "process where cores allow: KAMERSTROOM_RUN_PARSER_PROCESS)")
    run.set_defaults(func=lambda args: _serve(SERVICES))
    for name in SERVICES:
        one = subparsers.add_parser(name, help=f"run the {name} service on its own")
        one.set_defaults(func=lambda args, name=name: _serve((name,)))
    parser = subparsers.choices["parser"]
    # Set by `run` when it starts this as its child (kamerstroom.parser_process).
    parser.add_argument("--status-fd", type=int, default=None, help=argparse.SUPPRESS)
    parser.set_defaults(func=lambda args: _serve(("parser",), status_fd=args.status_fd))


def _serve(names: tuple[str, ...], status_fd: int | None = None) -> int:
    settings = load_settings()
    settings.check_data_dir()
    if status_fd is not None:  # the child of `run`: never outlive it; say whose lines these are
        configure_logging(settings.log_format, settings.log_level, {"process": PROCESS})
        supervised.die_with_parent()
    elif parser_in_child(settings, names):
        configure_logging(settings.log_format, settings.log_level, {"process": "run"})
    else:
        configure_logging(settings.log_format, settings.log_level)
    return asyncio.run(serve(settings, names, status_fd=status_fd))


__all__ = ["register"]
