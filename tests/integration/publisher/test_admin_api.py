"""The admin API: bearer token, endpoint CRUD, validation, SSRF refusals, rotation, test, OpenAPI."""

from __future__ import annotations

from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from kamerstroom.receivers import wait_for
from shared.config import Settings
from tests.integration.publisher.conftest import Publisher, ScriptedReceiver
from tests.unit.publisher.letters import document, kst


@pytest.mark.parametrize("token", [None, "wrong-token", ""])
async def test_missing_or_wrong_token_is_401(publisher: Publisher, token: str | None) -> None:
    """Without the right bearer token every admin call is refused."""
    for method, path in [("GET", "/v1/endpoints"), ("POST", "/v1/endpoints"),
                         ("GET", "/v1/openapi.json"), ("DELETE", "/v1/endpoints/x")]:
        code, body = await publisher.call(method, path, {"url": "http://127.0.0.1:1/"}, token=token)
        assert (401, "unauthorized") == (code, body["error"])


async def test_endpoint_lifecycle(publisher: Publisher) -> None:
    """Create (201, whsec_ secret), list, get, patch, delete; the secret is shown only once."""
    created = await publisher.add_endpoint("http://127.0.0.1:9/hook", description="mine",
                                           filter={"ministries": ["def"], "event_types": ["published"]})
    assert created["secret"].startswith("whsec_")
    assert ["nl.kamerstroom.kamerbrief.published"] == created["filter"]["event_types"]
    code, listed = await publisher.call("GET", "/v1/endpoints")
    assert (200, [created["id"]]) == (code, [e["id"] for e in listed["data"]])
    assert "secret" not in listed["data"][0]
    code, patched = await publisher.call("PATCH", f"/v1/endpoints/{created['id']}",
                                         {"description": "changed", "disabled": True})
    assert (200, "changed", True) == (code, patched["description"], patched["disabled"])
    code, _ = await publisher.call("DELETE", f"/v1/endpoints/{created['id']}")
    assert 204 == code
    code, body = await publisher.call("GET", f"/v1/endpoints/{created['id']}")
    assert (404, "not-found") == (code, body["error"])


@pytest.mark.parametrize(("body", "field"), [
    ({}, "url"),
    ({"url": "http://127.0.0.1:9/", "filter": {"event_types": ["nope"]}}, "filter.event_types"),
    ({"url": "http://127.0.0.1:9/", "colour": "red"}, "colour"),
])
async def test_invalid_bodies_are_422_with_the_field(publisher: Publisher, body: dict[str, Any],
                                                     field: str) -> None:
    """A body that does not validate names the field at fault."""
    code, answer = await publisher.call("POST", "/v1/endpoints", body)
    assert 422 == code
    assert field in [p["field"] for p in answer["detail"]]


async def test_bad_json_is_400(publisher: Publisher) -> None:
    """A body that is not JSON is a 400 with the reason."""
    async with publisher.http.post(publisher.base + "/v1/endpoints", data=b"{not json",
                                   headers={"Authorization": "Bearer test-admin-token-4f9a"}) as resp:
        assert 400 == resp.status
        assert "bad-json" == (await resp.json())["error"]


async def test_openapi_is_served(publisher: Publisher) -> None:
    """The OpenAPI document lists every admin and read path."""
    code, doc = await publisher.call("GET", "/v1/openapi.json")
    assert 200 == code
    assert {"/v1/endpoints", "/v1/endpoints/{id}", "/v1/endpoints/{id}/rotate-secret",
            "/v1/endpoints/{id}/secret",
            "/v1/endpoints/{id}/deliveries", "/v1/endpoints/{id}/replay", "/v1/endpoints/{id}/test",
            "/v1/openapi.json", "/v1/kamerbrieven", "/v1/kamerbrieven/{id}",
            "/v1/kamerbrieven/{id}/versions/{n}", "/v1/kamerbrieven/{id}/diff",
            "/feeds/kamerbrieven.atom", "/feeds"} == set(doc["paths"])


async def test_rotated_secret_signs_alongside_the_old(publisher: Publisher, receivers) -> None:
    """After a rotation both the old and the new secret verify the next delivery."""
    receiver: ScriptedReceiver = await receivers()
    created = await publisher.add_endpoint(receiver.url)
    code, rotated = await publisher.call("POST", f"/v1/endpoints/{created['id']}/rotate-secret")
    assert 200 == code
    assert created["secret"] != rotated["secret"]
    await publisher.feed(document(kst()))
    assert await wait_for(lambda: len(receiver.requests) >= 1, timeout=20)
    request = receiver.requests[0]
    Webhook(created["secret"]).verify(request.raw, request.headers)
    Webhook(rotated["secret"]).verify(request.raw, request.headers)


async def test_test_call_posts_a_signed_example(publisher: Publisher, receivers) -> None:
    """``POST /test`` sends a signed example at once and reports the endpoint's answer."""
    receiver: ScriptedReceiver = await receivers(script=lambda n: 202)
    created = await publisher.add_endpoint(receiver.url)
    code, result = await publisher.call("POST", f"/v1/endpoints/{created['id']}/test")
    assert (200, True, 202) == (code, result["ok"], result["status_code"])
    verified = Webhook(created["secret"]).verify(receiver.requests[0].raw, receiver.requests[0].headers)
    assert "nl.kamerstroom.webhook.test" == verified["type"]


async def test_replay_by_time_range(publisher: Publisher, receivers) -> None:
    """Replaying a time range re-sends past events with their original webhook-id, also to an
    endpoint registered after them."""
    early: ScriptedReceiver = await receivers()
    first = await publisher.add_endpoint(early.url)
    await publisher.feed(document(kst()))
    assert await wait_for(lambda: len(early.requests) >= 1, timeout=20)
    late: ScriptedReceiver = await receivers()
    second = await publisher.add_endpoint(late.url)
    for endpoint in (first, second):
        code, body = await publisher.call("POST", f"/v1/endpoints/{endpoint['id']}/replay",
                                          {"since": "2000-01-01T00:00:00Z"})
        assert (202, 1) == (code, body["replayed"])
    assert await wait_for(lambda: len(early.requests) >= 2 and len(late.requests) >= 1, timeout=20)
    assert 1 == len(set(early.ids() + late.ids()))
    code, body = await publisher.call("POST", f"/v1/endpoints/{first['id']}/replay",
                                      {"since": "2999-01-01T00:00:00Z"})
    assert (202, 0) == (code, body["replayed"])
    code, body = await publisher.call("POST", f"/v1/endpoints/{first['id']}/replay", {})
    assert 422 == code


class TestPrivateTargetsRefused:
    """With ``KAMERSTROOM_WEBHOOK_ALLOW_PRIVATE`` off, internal URLs cannot be registered."""

    @pytest.fixture
    def publisher_settings(self, publisher_settings: Settings) -> Settings:
        return publisher_settings.model_copy(update={"webhook_allow_private": False})

    @pytest.mark.parametrize(("url", "why"), [
        ("https://10.0.0.1/hook", "private"),
        ("https://169.254.169.254/latest/meta-data/", "metadata"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://localhost/hook", "loopback"),
        ("http://93.184.216.34/hook", "https"),
    ])
    async def test_refused(self, publisher: Publisher, url: str, why: str) -> None:
        """Each is a 422 saying why."""
        code, body = await publisher.call("POST", "/v1/endpoints", {"url": url})
        assert (422, "url-refused") == (code, body["error"])
        assert why in body["detail"]


class TestWithoutToken:
    """Without ``KAMERSTROOM_ADMIN_TOKEN`` the admin API is off and says so."""

    @pytest.fixture
    def publisher_settings(self, publisher_settings: Settings) -> Settings:
        return publisher_settings.model_copy(update={"admin_token": None})

    async def test_admin_api_is_off(self, publisher: Publisher) -> None:
        """Every /v1 call answers 503 naming the setting."""
        code, body = await publisher.call("GET", "/v1/endpoints")
        assert (503, "admin-api-off") == (code, body["error"])
        assert "KAMERSTROOM_ADMIN_TOKEN" in body["detail"]
