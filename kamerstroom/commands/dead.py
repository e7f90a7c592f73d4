"""``kamerstroom dead list|requeue``: look at the dead-letter queue and retry what is in it.

``<ns>.dead`` holds every message a service gave up on: dead-lettered by the service with
``x-kamerstroom-reason`` / ``x-kamerstroom-error`` / ``x-kamerstroom-queue``, or by the
broker when the queue's delivery limit was reached (``x-first-death-*`` headers).

``list`` peeks: it takes up to ``--limit`` messages without acking and hands them back
(nack with requeue), so looking never loses anything. ``requeue`` republishes the chosen
messages straight to the queue they came from (default exchange, publisher confirm,
mandatory) and acks each dead copy only after that confirm; the rest are handed back.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import aio_pika
import aiormq
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from shared.config import Settings, load_settings
from shared.errors import KamerstroomError, RetryLater
from shared.messaging import Topology
from shared.messaging.topology import ERROR_HEADER, ORIGIN_QUEUE_HEADER, REASON_HEADER

if TYPE_CHECKING:
    from kamerstroom.commands import Subparsers

REQUEUED_HEADER = "x-kamerstroom-requeued"
# Headers that describe the death, not the message: dropped when it is given another chance.
_DEATH_HEADERS = (ERROR_HEADER, REASON_HEADER, ORIGIN_QUEUE_HEADER, "x-death", "x-delivery-count",
                  "x-first-death-queue", "x-first-death-reason", "x-first-death-exchange",
                  "x-last-death-queue", "x-last-death-reason", "x-last-death-exchange")
_ERRORS = (aio_pika.exceptions.AMQPError, aiormq.exceptions.AMQPError, ConnectionError, OSError,
           asyncio.TimeoutError)
CONNECT_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class DeadLetter:
    """One message in ``<ns>.dead`` as an operator sees it."""

    id: str
    origin_queue: str | None
    reason: str | None
    error: str | None
    headers: dict[str, Any]
    body_bytes: int


def describe(message: AbstractIncomingMessage) -> DeadLetter:
    """What ``list`` shows of one dead message (its id, where it came from, why it died)."""
    headers = _plain(message.headers or {})
    return DeadLetter(
        id=letter_id(message.message_id, message.body),
        origin_queue=_str(headers.get(ORIGIN_QUEUE_HEADER) or headers.get("x-first-death-queue")
                          or message.routing_key),
        reason=_str(headers.get(REASON_HEADER) or headers.get("x-first-death-reason")),
        error=_str(headers.get(ERROR_HEADER)),
        headers=headers,
        body_bytes=len(message.body),
    )


def letter_id(message_id: str | None, body: bytes) -> str:
    """The message id, or a digest of the body for a message published without one."""
    return message_id or "sha256:" + hashlib.sha256(body).hexdigest()[:16]


class NoDeadQueue(KamerstroomError):
    """The namespace has no dead-letter queue (wrong namespace, or never started)."""


async def list_dead(url: str, topology: Topology, limit: int) -> list[DeadLetter]:
    """Up to ``limit`` dead letters, oldest first; all of them stay in the queue."""
    async with await _connect(url) as connection:
        channel = await connection.channel()
        queue = await _dead_queue(channel, topology)
        taken = await _take(queue, limit)
        try:
            return [describe(m) for m in taken]
        finally:
            for message in taken:
                await message.nack(requeue=True)


@dataclass(frozen=True)
class Outcome:
    """What ``requeue`` did with one dead letter: ``None`` problem means it went back."""

    letter: DeadLetter
    problem: str | None = None


async def requeue_dead(url: str, topology: Topology, ids: set[str] | None) -> list[Outcome]:
    """Give the dead letters with ``ids`` (``None``: all) another chance; one outcome each.

    One pass over the messages present when it starts (bounded). A letter goes back to its
    origin queue (a service's work queue, or the fetcher's refetch queue); one whose origin
    is unknown or gone stays in ``<ns>.dead`` and its outcome says why.
    """
    async with await _connect(url) as connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        queue = await _dead_queue(channel, topology)
        present = queue.declaration_result.message_count or 0
        taken = await _take(queue, present)
        outcomes: list[Outcome] = []
        try:
            for message in taken:
                letter = describe(message)
                if ids is not None and letter.id not in ids:
                    continue
                problem = await _republish(channel, message, letter)
                if problem is None:
                    await message.ack()
                outcomes.append(Outcome(letter, problem))
        finally:
            for message in taken:
                if not message.processed:
                    await message.nack(requeue=True)
        return outcomes


async def _republish(channel: AbstractChannel, message: AbstractIncomingMessage,
                     letter: DeadLetter) -> str | None:
    """Publish a copy to its origin queue and wait for the confirm; the problem, if refused."""
    if not letter.origin_queue:
        return "it names no origin queue"
    headers = {k: v for k, v in letter.headers.items() if k not in _DEATH_HEADERS}
    headers[REQUEUED_HEADER] = int(letter.headers.get(REQUEUED_HEADER) or 0) + 1
    copy = aio_pika.Message(body=message.body, headers=headers, message_id=message.message_id,
                            content_type=message.content_type,
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
    try:
        await channel.default_exchange.publish(copy, routing_key=letter.origin_queue,
                                               mandatory=True)
    except aio_pika.exceptions.DeliveryError:
        return f"its origin queue {letter.origin_queue} does not exist (any more)"
    return None


async def _dead_queue(channel: AbstractChannel, topology: Topology) -> AbstractQueue:
    try:
        return await channel.declare_queue(topology.dead_queue, passive=True)
    except aio_pika.exceptions.ChannelNotFoundEntity:
        raise NoDeadQueue(f"there is no queue {topology.dead_queue}: is KAMERSTROOM_NAMESPACE "
                          f"right, and has a service of it run?") from None


async def _take(queue: AbstractQueue, limit: int) -> list[AbstractIncomingMessage]:
    taken: list[AbstractIncomingMessage] = []
    while len(taken) < limit:
        message = await queue.get(no_ack=False, fail=False)
        if message is None:
            break
        taken.append(message)
    return taken


async def _connect(url: str) -> aio_pika.abc.AbstractConnection:
    try:
        return await aio_pika.connect(url, timeout=CONNECT_TIMEOUT_SECONDS)
    except _ERRORS as exc:
        raise RetryLater(f"the broker does not answer: {exc}") from exc


def _plain(headers: Mapping[str, Any]) -> dict[str, Any]:
    """Headers as JSON-friendly values (AMQP gives bytes, timestamps, nested tables)."""
    return {k: _plain_value(v) for k, v in headers.items()}


def _plain_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, Mapping):
        return _plain(value)
    if isinstance(value, list | tuple):
        return [_plain_value(v) for v in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


# --- command line --------------------------------------------------------------------------

def register(subparsers: Subparsers) -> None:
    dead = subparsers.add_parser("dead", help="list or requeue dead letters (<ns>.dead)")
    actions = dead.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("list", help="show dead letters with reason, origin and headers")
    show.add_argument("--limit", type=int, default=100, help="show at most this many (100)")
    show.add_argument("--json", action="store_true", help="one JSON object per line")
    show.set_defaults(func=_list)
    again = actions.add_parser("requeue", help="send dead letters back to their origin queue")
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", action="append", dest="ids", metavar="ID",
                       help="the dead letter's id as `list` shows it (repeatable)")
    which.add_argument("--all", action="store_true", help="every dead letter")
    again.set_defaults(func=_requeue)


def _list(args: argparse.Namespace, settings: Settings | None = None) -> int:
    settings = settings or load_settings()
    letters = asyncio.run(list_dead(settings.amqp_url, Topology(settings.namespace),
                                    max(1, args.limit)))
    for letter in letters:
        if args.json:
            print(json.dumps(asdict(letter), ensure_ascii=False, sort_keys=True))
        else:
            print(f"{letter.id}  from={letter.origin_queue}  reason={letter.reason}  "
                  f"bytes={letter.body_bytes}\n  error: {letter.error}\n"
                  f"  headers: {json.dumps(letter.headers, ensure_ascii=False, sort_keys=True)}")
    print(f"{len(letters)} dead letter(s) shown in {Topology(settings.namespace).dead_queue}",
          file=sys.stderr)
    return 0


def _requeue(args: argparse.Namespace, settings: Settings | None = None) -> int:
    settings = settings or load_settings()
    ids = None if args.all else set(args.ids)
    outcomes = asyncio.run(requeue_dead(settings.amqp_url, Topology(settings.namespace), ids))
    for outcome in outcomes:
        if outcome.problem is None:
            print(f"requeued {outcome.letter.id} -> {outcome.letter.origin_queue}")
        else:
            print(f"not requeued: {outcome.letter.id}: {outcome.problem}; it stays in the "
                  "dead-letter queue", file=sys.stderr)
    missing = sorted((ids or set()) - {o.letter.id for o in outcomes})
    for wanted in missing:
        print(f"not requeued: {wanted}: no such dead letter", file=sys.stderr)
    failed = sum(1 for o in outcomes if o.problem is not None) + len(missing)
    moved = len(outcomes) - sum(1 for o in outcomes if o.problem is not None)
    print(f"{moved} requeued, {failed} not", file=sys.stderr)
    return 1 if failed else 0
