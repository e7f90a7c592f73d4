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

from kamerstroom.commands import (  # after Subparsers: they import it
    backfill,
    db,
    dead,
    demo,
    endpoints,
    feeds,
    parse,
    schema,
    services,
    subscribe,
)

COMMANDS: list[Callable[[Subparsers], None]] = [
    services.register,
    demo.register,
    subscribe.register,
    endpoints.register,
    backfill.register,
    feeds.register,
    parse.register,
    schema.register,
    dead.register,
    db.register,
]
