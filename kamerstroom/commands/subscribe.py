"""``kamerstroom subscribe``: bind a temporary queue to ``<ns>.events`` and print what arrives.

The quickest way to see the stream. Each event is one line of CloudEvents JSON on stdout
(``--summary`` prints a short line instead); status goes to stderr.

With ``--since`` or ``--offset`` it reads the event log ``<ns>.events.log`` instead: the
stored events from there on, then the new ones live, from the same stream
(``kamerstroom.replay``), with the ``--binding`` patterns applied on this side.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

from kamerstroom.receivers import QueueSubscriber, Received
from kamerstroom.replay import StreamStart, StreamSubscriber
from shared.config import load_settings
from shared.errors import ConfigError, RetryLater
from shared.messaging import Topology

if TYPE_CHECKING:
    import argparse

    from kamerstroom.commands import Subparsers


def register(subparsers: Subparsers) -> None:
    sub = subparsers.add_parser("subscribe", help="print events from <ns>.events as they arrive")
    sub.add_argument("--binding", action="append", metavar="KEY",
                     help="routing-key pattern, e.g. 'kamerbrief.published.def' or "
                          "'kamerbrief.*.bzk' (repeatable; default '#': everything)")
    sub.add_argument("--summary", action="store_true", help="one short line per event instead of JSON")
    sub.add_argument("--count", type=int, default=None, help="exit after this many events")
    sub.add_argument("--timeout", type=float, default=None, help="exit after this many seconds")
    start = sub.add_mutually_exclusive_group()
    start.add_argument("--since", metavar="MOMENT",
                       help="replay the event log from this ISO 8601 moment with its zone "
                            "(e.g. 2026-11-01T00:00:00Z), then follow live")
    start.add_argument("--offset", metavar="N|first|last",
                       help="replay the event log from this offset (first: the oldest kept; "
                            "last: the last chunk), then follow live")
    sub.set_defaults(func=_subscribe)


def _subscribe(args: argparse.Namespace) -> int:
    settings = load_settings()
    bindings = tuple(args.binding or ["#"])
    topology = Topology(settings.namespace)
    replay = _start(args)
    return asyncio.run(subscribe(settings.amqp_url, topology.events, bindings,
                                 summary=args.summary, count=args.count, timeout=args.timeout,
                                 replay=replay, event_log=topology.event_log))


def _start(args: argparse.Namespace) -> StreamStart | None:
    """The replay start ``--since``/``--offset`` ask for; ``None`` for live only."""
    try:
        if args.since is not None:
            return StreamStart.parse_since(args.since)
        if args.offset is not None:
            return StreamStart.parse_offset(args.offset)
    except ValueError as exc:
        option = "--since" if args.since is not None else "--offset"
        raise ConfigError(f"{option}: {exc}") from None
    return None


async def subscribe(amqp_url: str, exchange: str, bindings: tuple[str, ...], *, summary: bool = False,
                    count: int | None = None, timeout: float | None = None,
                    replay: StreamStart | None = None, event_log: str | None = None) -> int:
    """Print events until ``count`` arrived or ``timeout`` passed (forever if neither is given).

    With ``replay`` (and ``event_log``, the stream's name) the events come from the log,
    from that start on, then live; otherwise from a temporary queue bound to ``exchange``.
    """
    enough = asyncio.Event()
    printed = 0

    def show(item: Received) -> None:
        nonlocal printed
        print(describe(item) if summary else json.dumps(item.body, ensure_ascii=False), flush=True)
        printed += 1
        if count is not None and printed >= count:
            enough.set()

    subscriber: QueueSubscriber | StreamSubscriber
    if replay is not None and event_log is not None:
        subscriber = StreamSubscriber(amqp_url, event_log, replay, bindings, on_event=show)
        status = f"replaying {event_log} from {replay.describe()}, then live, with"
    else:
        subscriber = QueueSubscriber(amqp_url, exchange, bindings, on_event=show)
        status = f"subscribed to {exchange} with"
    try:
        await subscriber.start()
    except (OSError, ConnectionError) as exc:
        raise RetryLater(f"cannot subscribe: the broker does not answer ({exc})") from None
    print(f"{status} {', '.join(bindings)}", file=sys.stderr, flush=True)
    try:
        async with asyncio.timeout(timeout):
            await enough.wait()
    except TimeoutError:
        pass
    finally:
        await subscriber.stop()
    return 0


def describe(item: Received) -> str:
    """``<routing key>  <subject>  v<version>  <date>  <ministry>  <title>  [changed: ...]``.

    The title falls back to the subject (PDF and DOCX letters often have no title, only a
    Betreft); an unknown date or ministry shows as ``-``.
    """
    body: dict[str, Any] = item.body
    data = body.get("data") or {}
    ministry = (data.get("ministry") or {}).get("code") or "-"
    heading = data.get("title") or data.get("subject") or "(no title or subject)"
    line = (f"{item.routing_key}  {body.get('subject')}  v{data.get('version')}  "
            f"{data.get('document_date') or '-'}  {ministry}  {heading}")
    if body.get("changedfields"):
        line += f"  [changed: {body['changedfields'].replace(',', ', ')}]"
    return line


__all__ = ["register"]
