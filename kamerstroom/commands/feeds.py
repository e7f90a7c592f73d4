"""``kamerstroom feeds serve|inspect|start-date``: the local replay of the official feeds, what
the fetcher decides about recorded responses, and the live start date of each source."""

from __future__ import annotations

import argparse
import asyncio
import errno
import signal
from typing import TYPE_CHECKING

from kamerstroom.commands import feeds_inspect, feeds_start
from kamerstroom.feedserver import FeedServer
from shared.errors import ConfigError

if TYPE_CHECKING:
    from kamerstroom.commands import Subparsers


def register(subparsers: Subparsers) -> None:
    feeds = subparsers.add_parser("feeds", help="the local feed replay, inspecting recorded "
                                  "responses, the live start date")
    actions = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    serve = actions.add_parser("serve", help="serve recorded feed responses on loopback")
    serve.add_argument("--port", type=int, default=8700, help="port (0: any free port)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind")
    serve.set_defaults(func=_serve)
    feeds_inspect.add_parser(actions)
    feeds_start.add_parser(actions)


def _serve(args: argparse.Namespace) -> int:
    return asyncio.run(serve(args.host, args.port))


def replay_settings(server: FeedServer, url: str) -> str:
    """What to set so that ``kamerstroom run`` sees the replayed letters, and why."""
    day = server.earliest_day().isoformat()
    return (f"feeds: serving on {url} (Ctrl-C to stop)\n"
            "To follow the replay, run with:\n"
            f"  KAMERSTROOM_OB_SRU_URL={server.sru_url}\n"
            f"  KAMERSTROOM_TK_API_URL={server.tk_url}\n"
            f"  KAMERSTROOM_START_DATE={day}\n"
            f"The replayed records date from {day} on; live polling announces nothing changed "
            "before its start date, which defaults to the day of the first run.\n"
            "A data folder that ran before keeps its later start date: move it back with\n"
            f"  kamerstroom feeds start-date --set {day} --yes\n"
            "or start with an empty KAMERSTROOM_DATA_DIR.")


async def serve(host: str, port: int, ready: asyncio.Event | None = None,
                stop: asyncio.Event | None = None) -> int:
    """Serve until SIGINT/SIGTERM (or ``stop``); print the settings that point at it.

    A port that cannot be bound is a ``ConfigError`` (one line, exit 2).
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    server = FeedServer(host, port)
    try:
        url = await server.start()
    except OSError as exc:
        await server.stop()
        why = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound ({exc.strerror})"
        raise ConfigError(f"feeds: port {host}:{port} {why}; choose another with --port") from None
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(replay_settings(server, url), flush=True)
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        await server.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    return 0
