"""The ``kamerstroom`` command. Each subcommand lives in its own module under ``commands/``.

Every command returns an exit status. Expected failures (bad configuration, unreadable
input, a broker that does not answer) print one line on stderr and exit non-zero: no
traceback reaches a user.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from collections.abc import Sequence

from kamerstroom.commands import COMMANDS
from shared.errors import KamerstroomError
from shared.version import PRODUCT, VERSION


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog=PRODUCT, description="Kamerbrieven from the official feeds as a live event stream."
    )
    parser.add_argument("--version", action="version", version=f"{PRODUCT} {VERSION}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMANDS:
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the chosen command, and turn expected errors into one line."""
    args = build_parser().parse_args(argv)
    # Libraries log through stdlib; without a handler Python prints their warnings raw
    # (aiormq's "connection error when creating transport") before the command's own error
    # line. The long-running services install a JSON handler of their own (shared.logging).
    logging.getLogger().addHandler(logging.NullHandler())
    try:
        status: int = args.func(args)
    except KamerstroomError as exc:
        print(f"{PRODUCT}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return status


def program(argv: Sequence[str] | None = None) -> int:
    """The ``kamerstroom`` program (and ``python -m kamerstroom``): ``main`` with the heap
    that importing built frozen.

    Importing the commands builds about 100,000 long-lived objects (modules, functions,
    pydantic's schemas). Every full pass of the cyclic garbage collector walked all of
    them, and a service allocates enough to run such passes again and again (a webhook
    fan-out: a task, a request and a row per endpoint; in the bench's fan-out to 1,000
    endpoints they took 10-25 % of the publisher's CPU per delivery). Frozen, they are
    never walked; they live as long as the process anyway. ``main`` alone, as tests call
    it, leaves the caller's collector as it is.
    """
    gc.freeze()
    return main(argv)
