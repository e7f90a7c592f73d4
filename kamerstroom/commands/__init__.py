"""Subcommands. Each module has ``register(subparsers)`` setting ``func`` on its parser.

To add a command, write a module here and list its ``register`` below.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:  # argparse's action class is generic only to the type checker
    Subparsers = Any

from kamerstroom.commands import backfill, demo, feeds, services  # after Subparsers: they import it

COMMANDS: list[Callable[[Subparsers], None]] = [
    services.register,
    demo.register,
    backfill.register,
    feeds.register,
]
