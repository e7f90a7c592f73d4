"""The child's side of ``kamerstroom run``'s parser process (``kamerstroom.parser_process``).

A child started with ``--status-fd`` reports its HTTP port on that pipe once its service
runs, and never outlives its parent: on Linux the kernel sends it SIGTERM when the parent
dies (``PR_SET_PDEATHSIG``); everywhere, its stdin is a pipe only the parent holds, and
its end (also when the parent died before the first could be armed) is taken as SIGTERM.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import json
import os
import signal
import sys

import structlog

log = structlog.get_logger(__name__)

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent() -> None:
    """Ask the kernel for SIGTERM when the parent process dies (Linux; elsewhere a no-op)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # no usable libc: the stdin pipe still tells
        log.warning("PR_SET_PDEATHSIG unavailable; watching the parent's pipe only")


async def parent_gone() -> None:
    """Return when stdin, the parent's pipe, reaches its end (the parent closed it or died)."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    try:
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader),
            os.fdopen(os.dup(sys.stdin.fileno()), "rb", 0))
    except (OSError, ValueError) as exc:  # stdin is no pipe: only PR_SET_PDEATHSIG tells
        log.warning("cannot watch the parent's pipe", error=str(exc))
        await asyncio.Event().wait()  # never returns: only a signal stops this process
    try:
        while await reader.read(4096):  # the parent writes nothing; anything is ignored
            pass
    finally:
        transport.close()


def report_started(status_fd: int, http_port: int) -> None:
    """Tell the parent that the service runs and where its HTTP server listens."""
    os.write(status_fd, json.dumps({"http_port": http_port}).encode() + b"\n")
    os.close(status_fd)
