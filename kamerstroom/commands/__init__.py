"""Subcommands. Each module has ``register(subparsers)`` setting ``func`` on its parser.

To add a command, write a module here and list its ``register`` below.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

Subparsers = argparse._SubParsersAction[Any]  # noqa: SLF001  # argparse has no public alias

COMMANDS: list[Callable[[Subparsers], None]] = []
