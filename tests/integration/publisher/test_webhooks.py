"""Webhook delivery on the real broker: signatures, retries, 410, timeouts, isolation, replay."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from kamerstroom.receivers import wait_for
from tests.integration.publisher.conftest import Publisher, ScriptedReceiver
from tests.integration.publisher.read_letters import CITING, citing_letter
from tests.support.contracts import assert_valid_event, read_from_http
from tests.unit.publisher.letters import document, kst, other_letter


async def deliveries(publisher: Publisher, endpoint_id: str,
                     status: str | None = None) -> list[dict[str, Any]]:
    query = f"?status={status}" if status else ""
    code, body = await publisher.call("GET", f"/v1/endpoints/{endpoint_id}/deliveries{query}")
    assert 200 == code
    return list(body["data"])


async def settled(publisher: Publisher, endpoint_id: str, count: int = 1) -> list[dict[str, Any]]:
    """Wait until ``count`` deliveries are no longer pending; return them."""
    rows: list[dict[str, Any]] = []

    async def check() -> bool:
        rows[:] = await deliveries(publisher, endpoint_id)
        return len(rows) >= count and all(r["status"] != "pending" for r in rows)

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while not await check() and loop.time() < deadline:
        await asyncio.sleep(0.1)
    return rows


async def test_signed_delivery_verifies(publisher: Publisher, receivers) -> None:
    """The received webhook verifies with standardwebhooks; a tampered body does not."""
    receiver: ScriptedReceiver = await receivers()
    endpoint = await publisher.add_endpoint(receiver.url)
    await publisher.feed(document(kst()))
    assert await wait_for(lambda: len(receiver.requests) >= 1, timeout=20)
    request = receiver.requests[0]
    verified = Webhook(endpoint["secret"]).verify(request.raw, request.headers)
    assert "kst-36124-3" == verified["subject"]
    assert verified["id"] == request.headers["webhook-id"]
    assert "application/cloudevents+json" == request.headers["Content-Type"]
    assert verified["id"] == read_from_http(request.headers, request.raw).get_id()  # the SDK reads it
    assert_valid_event(request.body)
    tampered = request.raw.replace(b"kst-36124-3", b"kst-36124-4")
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint["secret"]).verify(tampered, request.headers)


async def test_500_is_retried_with_the_same_webhook_id(publisher: Publisher, receivers) -> None:
    """Two 500s then a 204: three attempts, one webhook-id, delivery succeeded, attempts logged."""
    receiver: ScriptedReceiver = await receivers(script=lambda n: 500 if n <= 2 else 204)
    endpoint = await publisher.add_endpoint(receiver.url)
    await publisher.feed(document(kst()))
    rows = await settled(publisher, endpoint["id"])
    assert ["succeeded"] == [r["status"] for r in rows]
    assert [500, 500, 204] == [a["status_code"] for a in rows[0]["attempt_log"]]
    assert "answer 500" == rows[0]["attempt_log"][0]["response"]
    assert 1 == len(set(receiver.ids()))
    assert rows[0]["event_id"] == receiver.ids()[0]


async def test_timeouts_retry_then_fail_and_replay_resends(publisher: Publisher, receivers) -> None:
    """An endpoint that always hangs fails after the last attempt; replay re-sends with the same id."""
    behaviour = {"hang": True}
    receiver: ScriptedReceiver = await receivers(script=lambda n: "hang" if behaviour["hang"] else 204)
    endpoint = await publisher.add_endpoint(receiver.url)
    await publisher.feed(document(kst()))
    rows = await settled(publisher, endpoint["id"])
    assert ["failed"] == [r["status"] for r in rows]
    assert 3 == len(rows[0]["attempt_log"])
    assert all(a["error"] == "timed out after 1 s" for a in rows[0]["attempt_log"])
    failed = await deliveries(publisher, endpoint["id"], status="failed")
    assert [rows[0]["id"]] == [r["id"] for r in failed]

    behaviour["hang"] = False
    code, body = await publisher.call("POST", f"/v1/endpoints/{endpoint['id']}/replay",
                                      {"delivery_ids": [rows[0]["id"]]})
    assert (202, 1) == (code, body["replayed"])
    assert await wait_for(lambda: len(receiver.requests) >= 4, timeout=20)
    rows = await settled(publisher, endpoint["id"])
    assert ["succeeded"] == [r["status"] for r in rows]
    assert {rows[0]["event_id"]} == set(receiver.ids())


async def test_410_disables_the_endpoint(publisher: Publisher, receivers) -> None:
    """A 410 answer fails the delivery at once and disables the endpoint; later events skip it."""
    receiver: ScriptedReceiver = await receivers(script=lambda n: 410)
    endpoint = await publisher.add_endpoint(receiver.url)
    await publisher.feed(document(kst()))
    rows = await settled(publisher, endpoint["id"])
    assert ["failed"] == [r["status"] for r in rows]
    assert 1 == len(rows[0]["attempt_log"])
    code, body = await publisher.call("GET", f"/v1/endpoints/{endpoint['id']}")
    assert (200, True) == (code, body["disabled"])
    assert "410" in body["disabled_reason"]

    witness: ScriptedReceiver = await receivers()
    await publisher.add_endpoint(witness.url)
    await publisher.feed(document(other_letter()))
    assert await wait_for(lambda: len(witness.requests) >= 1, timeout=20)
    assert 1 == len(receiver.requests)


async def test_retry_after_postpones_the_next_attempt(publisher: Publisher, receivers) -> None:
    """A 503 with ``Retry-After: 1`` waits at least a second, not the schedule's 0.2 s."""
    receiver: ScriptedReceiver = await receivers(script=lambda n: 503 if n == 1 else 204, retry_after="1")
    endpoint = await publisher.add_endpoint(receiver.url)
    await publisher.feed(document(kst()))
    rows = await settled(publisher, endpoint["id"])
    assert ["succeeded"] == [r["status"] for r in rows]
    first, second = (datetime.fromisoformat(a["at"]) for a in rows[0]["attempt_log"])
    assert (second - first).total_seconds() >= 0.95


async def test_a_cites_filter_gets_the_letters_that_cite_the_dossier(publisher: Publisher, receivers) -> None:
    """``cites: ["36124"]``: the letter citing dossier 36124 arrives, the 36124 letter itself not."""
    receiver: ScriptedReceiver = await receivers()
    endpoint = await publisher.add_endpoint(receiver.url, filter={"cites": ["36124"]})
    assert ["36124"] == endpoint["filter"]["cites"]
    for record in (kst(), citing_letter(), other_letter()):
        await publisher.feed(document(record))
    assert await wait_for(lambda: len(receiver.requests) >= 1, timeout=20)
    rows = await settled(publisher, endpoint["id"])
    await asyncio.sleep(0.3)  # the letters after it would have been delivered by now
    assert [CITING] == [r.body["subject"] for r in receiver.requests]
    assert 1 == len(rows)
