"""``kamerstroom subscribe``: bind a temporary queue to ``<ns>.events`` and print what arrives.

The quickest way to see the stream. Each event is one line of CloudEvents JSON on stdout
(``--summary`` prints a short line instead); status goes to stderr.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

from kamerstroom.receivers import QueueSubscriber, Received
from shared.config import load_settings
from shared.errors import RetryLater
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
    sub.set_defaults(func=_subscribe)


def _subscribe(args: argparse.Namespace) -> int:
    settings = load_settings()
    bindings = tuple(args.binding or ["#"])
    return asyncio.run(subscribe(settings.amqp_url, Topology(settings.namespace).events, bindings,
                                 summary=args.summary, count=args.count, timeout=args.timeout))


async def subscribe(amqp_url: str, exchange: str, bindings: tuple[str, ...], *, summary: bool = False,
                    count: int | None = None, timeout: float | None = None) -> int:
    """Print events until ``count`` arrived or ``timeout`` passed (forever if neither is given)."""
    enough = asyncio.Event()
    printed = 0

    def show(item: Received) -> None:
        nonlocal printed
        print(describe(item) if summary else json.dumps(item.body, ensure_ascii=False), flush=True)
        printed += 1
        if count is not None and printed >= count:
            enough.set()

    subscriber = QueueSubscriber(amqp_url, exchange, bindings, on_event=show)
    try:
        await subscriber.start()
    except (OSError, ConnectionError) as exc:
        raise RetryLater(f"cannot subscribe: the broker does not answer ({exc})") from None
    print(f"subscribed to {exchange} with {', '.join(bindings)}", file=sys.stderr, flush=True)
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
