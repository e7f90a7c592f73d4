"""``kamerstroom demo``: the whole pipeline on replayed real feed responses, on this machine.

Starts the local feed server (all three feeds), a webhook receiver and a queue
subscriber, runs all three services against the broker under a fresh namespace, prints
every event as both receivers get it, waits until every feed was polled and the stream
went quiet, prints a summary, cleans the namespace up, and exits 0 when both receivers
got the same events, each once.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from kamerstroom.feedserver import FeedServer
from kamerstroom.receivers import QueueSubscriber, Received, WebhookReceiver, wait_for
from kamerstroom.runtime import Runtime, connect_with_retry
from shared.config import Settings
from shared.errors import RetryLater
from shared.messaging import Topology
from shared.messaging.rabbitmq import RabbitMQBroker, delete_topology

SERVICES = ("fetcher", "parser", "publisher")
SOURCES = ["officielebekendmakingen", "tweedekamer"]
WAIT_SECONDS = 120.0
QUIET_SECONDS = 3.0


def describe(channel: str, item: Received, constructed: dict[str, str] | None = None) -> str:
    """One line for an event as ``channel`` received it; an event built from a constructed
    replay item (``constructed``: upstream id -> what) says so at the end of the line."""
    event = item.body
    data = event.get("data") or {}
    key = f" [{item.routing_key}]" if item.routing_key else ""
    title = (data.get("title") or data.get("subject") or "")[:70]
    known = constructed or {}
    marks = sorted({known[uid] for s in data.get("sources") or []
                    if (uid := str(s.get("upstream_id"))) in known})
    note = f"  (CONSTRUCTED: {', '.join(marks)})" if marks else ""
    return (f"{channel:<8} <- {event.get('type', '?').rsplit('.', 1)[-1]} {event.get('subject')}{key} "
            f"{title}{note}")


async def run_demo(base: Settings) -> int:
    """Run the demo; returns the exit status."""
    namespace = f"{base.namespace}-demo-{uuid.uuid4().hex[:8]}"
    feeds = FeedServer()
    constructed = feeds.constructed()
    webhook = WebhookReceiver(on_event=lambda r: print(describe("webhook", r, constructed)))
    await feeds.start()
    await webhook.start()
    with tempfile.TemporaryDirectory(prefix="kamerstroom-demo-") as data_dir:
        settings = base.model_copy(update={
            "namespace": namespace, "data_dir": Path(data_dir), "http_port": 0,
            "http_host": "127.0.0.1", "sources": SOURCES,
            "ob_sru_url": feeds.sru_url, "tk_api_url": feeds.tk_url,
            "webhook_urls": [webhook.url],
            "webhook_allow_private": True,
            # The admin API on loopback with a throwaway token: on, so nobody is warned it is off.
            "admin_token": secrets.token_urlsafe(24), "request_interval": 0.0, "poll_interval": 3600.0,
            # The replayed records are from 2021-2025: a start date of today would skip them.
            "start_date": feeds.earliest_day(),
            # What `kamerstroom demo` logs itself; a parser child process logs the same way.
            "log_format": "console", "log_level": "warning",
        })
        try:
            return await _pipeline(settings, webhook, constructed)
        finally:
            await webhook.stop()
            await feeds.stop()


async def _pipeline(settings: Settings, webhook: WebhookReceiver,
                    constructed: dict[str, str]) -> int:
    topology = Topology.of(settings)
    probe = RabbitMQBroker(settings.amqp_url, topology)
    try:
        await connect_with_retry(probe, attempts=3)
    except RetryLater as exc:
        print(f"demo: {exc}. Start RabbitMQ (e.g. `rabbitmq-server -detached`) or set "
              "KAMERSTROOM_AMQP_URL.")
        return 1
    await probe.close()
    subscriber = QueueSubscriber(settings.amqp_url, topology.events,
                                 on_event=lambda r: print(describe("queue", r, constructed)))
    await subscriber.start()
    runtime = Runtime.create(settings, SERVICES)
    try:
        await runtime.start()
        print(f"demo: pipeline running (namespace {settings.namespace}); "
              f"replaying {', '.join(SOURCES)}")
        await _until_quiet(runtime, webhook, subscriber)
        queued, skipped = _queued(runtime), _skipped(runtime)
    finally:
        await runtime.stop()
        await subscriber.stop()
        await delete_topology(settings.amqp_url, topology)
    return _summary(queued, webhook.received, subscriber.received, skipped)


async def _until_quiet(runtime: Runtime, webhook: WebhookReceiver,
                       subscriber: QueueSubscriber) -> None:
    """Wait (bounded) until every feed was polled and no event arrived for a few seconds."""
    loop = asyncio.get_running_loop()
    seen = (-1, -1)
    quiet_since = loop.time()

    def settled() -> bool:
        nonlocal seen, quiet_since
        now = (len(webhook.received), len(subscriber.received))
        if now != seen:
            seen, quiet_since = now, loop.time()
        polled = all(state.get("last_success") for state in _sources(runtime).values())
        return polled and now[0] == now[1] and loop.time() - quiet_since >= QUIET_SECONDS

    await wait_for(settled, WAIT_SECONDS, interval=0.2)


def _sources(runtime: Runtime) -> dict[str, dict[str, Any]]:
    _, checks = runtime.server.readiness()
    detail = checks.get("fetcher.sources", {}).get("detail")
    return detail if isinstance(detail, dict) else {}


def _queued(runtime: Runtime) -> dict[str, int]:
    return {name: int(state.get("queued", 0)) for name, state in _sources(runtime).items()}


def _skipped(runtime: Runtime) -> dict[str, dict[str, int]]:
    """What each feed passed over on purpose, by reason (the SRU recordings are moties)."""
    return {name: {str(k): int(v) for k, v in (state.get("skipped") or {}).items()}
            for name, state in _sources(runtime).items()}


def _summary(queued: dict[str, int], hooks: list[Received], queue: list[Received],
             skipped: dict[str, dict[str, int]] | None = None) -> int:
    """Print what happened; 0 when both receivers got the same events, each exactly once."""
    hook_ids = [r.body.get("id") for r in hooks]
    queue_ids = [r.body.get("id") for r in queue]
    duplicates = (len(hook_ids) - len(set(hook_ids))) + (len(queue_ids) - len(set(queue_ids)))
    kinds = Counter(str(r.body.get("type", "?")).rsplit(".", 1)[-1] for r in queue)
    ok = bool(queue_ids) and set(hook_ids) == set(queue_ids) and duplicates == 0
    feeds = ", ".join(f"{n} from {name}{_skip_note((skipped or {}).get(name))}"
                      for name, n in queued.items())
    events = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    print(f"demo: {sum(queued.values())} documents queued ({feeds}); events: {events}; "
          f"{len(hooks)} by webhook, {len(queue)} by queue subscriber, {duplicates} duplicates: "
          f"{'ok' if ok else 'INCOMPLETE'}")
    return 0 if ok else 1


def _skip_note(skipped: dict[str, int] | None) -> str:
    if not skipped:
        return ""
    return " (skipped: " + ", ".join(f"{n} {reason}" for reason, n in sorted(skipped.items())) + ")"
