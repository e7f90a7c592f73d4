"""Admin HTTP API on the publisher's port: manage webhook endpoints, inspect and replay deliveries.

Every route needs ``Authorization: Bearer <KAMERSTROOM_ADMIN_TOKEN>`` (compared in constant
time); without a configured token the API is not mounted at all. Bad JSON is a 400, a body
that does not validate a 422, both with the reason.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import structlog
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.publisher.admin.openapi import openapi_document
from services.publisher.webhooks.delivery import Dispatcher
from services.publisher.webhooks.filters import EndpointFilter
from services.publisher.webhooks.models import Endpoint, iso
from services.publisher.webhooks.registry import EndpointRegistry
from services.publisher.webhooks.ssrf import UnsafeURL, check_url
from shared.schema import CloudEvent, EventKind, Kamerbrief

log = structlog.get_logger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_M = TypeVar("_M", bound=BaseModel)
EventsBetween = Callable[[datetime, datetime | None], list[CloudEvent]]
_ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest, 404: web.HTTPNotFound, 422: web.HTTPUnprocessableEntity,
}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateEndpoint(_Body):
    url: str = Field(max_length=2048)
    description: str = Field(default="", max_length=1000)
    filter: EndpointFilter = Field(default_factory=EndpointFilter)


class PatchEndpoint(_Body):
    url: str | None = Field(default=None, max_length=2048)
    description: str | None = Field(default=None, max_length=1000)
    filter: EndpointFilter | None = None
    disabled: bool | None = None


class Replay(_Body):
    """Deliveries by id; or events announced in ``[since, until)``; ``status`` narrows the
    range to this endpoint's deliveries in that state (``failed``: retry what failed)."""

    since: datetime | None = None
    until: datetime | None = None
    delivery_ids: list[str] = Field(default_factory=list, max_length=1000)
    status: str | None = Field(default=None, pattern="^(pending|succeeded|failed)$")

    @model_validator(mode="after")
    def _something(self) -> Replay:
        if not self.delivery_ids and self.since is None:
            raise ValueError("give delivery_ids, or a time range with since (and optionally until)")
        return self


class AdminAPI:
    """The ``/v1`` routes."""

    def __init__(self, token: str, registry: EndpointRegistry, dispatcher: Dispatcher,
                 events_between: EventsBetween, *, allow_private: bool) -> None:
        self._token = token.encode()
        self._events_between = events_between
        self._registry = registry
        self._dispatcher = dispatcher
        self._allow_private = allow_private

    def mount(self, app: web.Application) -> None:
        """Add the routes to ``app`` (before the server starts)."""
        guard = self._guarded
        app.router.add_get("/v1/openapi.json", guard(self.openapi))
        app.router.add_post("/v1/endpoints", guard(self.create))
        app.router.add_get("/v1/endpoints", guard(self.list))
        app.router.add_get("/v1/endpoints/{id}", guard(self.get))
        app.router.add_patch("/v1/endpoints/{id}", guard(self.patch))
        app.router.add_delete("/v1/endpoints/{id}", guard(self.delete))
        app.router.add_post("/v1/endpoints/{id}/rotate-secret", guard(self.rotate))
        app.router.add_get("/v1/endpoints/{id}/secret", guard(self.secret))
        app.router.add_get("/v1/endpoints/{id}/deliveries", guard(self.deliveries))
        app.router.add_post("/v1/endpoints/{id}/replay", guard(self.replay))
        app.router.add_post("/v1/endpoints/{id}/test", guard(self.test))

    def _guarded(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), self._token):
                return _error(401, "unauthorized", "send Authorization: Bearer <KAMERSTROOM_ADMIN_TOKEN>",
                              headers={"WWW-Authenticate": 'Bearer realm="kamerstroom"'})
            return await handler(request)
        return guarded

    async def openapi(self, _: web.Request) -> web.StreamResponse:
        return web.json_response(openapi_document())

    async def create(self, request: web.Request) -> web.StreamResponse:
        body = await _parse(request, CreateEndpoint)
        await self._check_url(body.url)
        endpoint = self._registry.create(body.url, body.description, body.filter)
        log.info("webhook endpoint created", endpoint_id=endpoint.id, url=endpoint.url)
        return web.json_response({**endpoint.public(), "secret": endpoint.secret}, status=201)

    async def list(self, _: web.Request) -> web.StreamResponse:
        return web.json_response({"data": [e.public() for e in self._registry.all()]})

    async def get(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self._endpoint(request).public())

    async def patch(self, request: web.Request) -> web.StreamResponse:
        endpoint = self._endpoint(request)
        body = await _parse(request, PatchEndpoint)
        if body.url is not None:
            await self._check_url(body.url)
        updated = self._registry.update(endpoint.id, url=body.url, description=body.description,
                                        filter=body.filter, disabled=body.disabled)
        assert updated is not None
        return web.json_response(updated.public())

    async def delete(self, request: web.Request) -> web.StreamResponse:
        endpoint = self._endpoint(request)
        self._registry.delete(endpoint.id)
        log.info("webhook endpoint deleted", endpoint_id=endpoint.id)
        return web.Response(status=204)

    async def rotate(self, request: web.Request) -> web.StreamResponse:
        endpoint = self._endpoint(request)
        rotated = self._registry.rotate_secret(endpoint.id)
        assert rotated is not None
        return web.json_response({"id": rotated.id, "secret": rotated.secret,
                                  "previous_secret_expires_at": iso(rotated.previous_secret_until)})

    async def secret(self, request: web.Request) -> web.StreamResponse:
        """The current signing secret: how an operator gets a static endpoint's secret."""
        endpoint = self._endpoint(request)
        log.info("webhook secret read", endpoint_id=endpoint.id)
        return web.json_response({"id": endpoint.id, "secret": endpoint.secret})

    async def deliveries(self, request: web.Request) -> web.StreamResponse:
        endpoint = self._endpoint(request)
        status = request.query.get("status")
        if status not in (None, "pending", "succeeded", "failed"):
            return _error(422, "invalid", "status is one of pending, succeeded, failed")
        try:
            limit = min(int(request.query.get("limit", "100")), 1000)
        except ValueError:
            return _error(422, "invalid", "limit is a whole number")
        rows = self._registry.deliveries(endpoint.id, status=status, limit=limit)
        return web.json_response({"data": [r.public(self._registry.attempts(r.id)) for r in rows]})

    async def replay(self, request: web.Request) -> web.StreamResponse:
        """By delivery ids; or by time range: every matching event announced then (with
        ``status``, only this endpoint's deliveries in that state)."""
        endpoint = self._endpoint(request)
        body = await _parse(request, Replay)
        if body.delivery_ids:
            found = [self._registry.delivery(i) for i in body.delivery_ids]
            rows = [r for r in found if r is not None and r.endpoint_id == endpoint.id]
            missing = sorted(set(body.delivery_ids) - {r.id for r in rows})
            if missing:
                return _error(404, "not-found", f"no such deliveries for this endpoint: {', '.join(missing)}")
            await self._dispatcher.replay(rows)
            ids = [r.id for r in rows]
        elif body.status is not None:
            rows = self._registry.deliveries(endpoint.id, status=body.status, since=body.since,
                                             until=body.until, limit=10_000)
            await self._dispatcher.replay(rows)
            ids = [r.id for r in rows]
        else:
            assert body.since is not None
            events = self._events_between(body.since, body.until)
            ids = await self._dispatcher.replay_events(endpoint, events)
        return web.json_response({"replayed": len(ids), "delivery_ids": ids}, status=202)

    async def test(self, request: web.Request) -> web.StreamResponse:
        endpoint = self._endpoint(request)
        attempt = await self._dispatcher.send_test(endpoint, _example_event())
        ok = attempt.status_code is not None and 200 <= attempt.status_code < 300
        return web.json_response({"ok": ok, **attempt.public()})

    def _endpoint(self, request: web.Request) -> Endpoint:
        endpoint = self._registry.get(request.match_info["id"])
        if endpoint is None:
            raise _http_error(404, "not-found", f"no endpoint {request.match_info['id']}")
        return endpoint

    async def _check_url(self, url: str) -> None:
        try:
            await check_url(url, allow_private=self._allow_private)
        except UnsafeURL as exc:
            raise _http_error(422, "url-refused", str(exc)) from None


async def _parse(request: web.Request, model: type[_M]) -> _M:
    try:
        raw = await request.json(loads=json.loads)
    except ValueError as exc:
        raise _http_error(400, "bad-json", f"the body is not JSON: {exc}") from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = [{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()]
        raise _http_error(422, "invalid", problems) from None


def _error(status: int, code: str, detail: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": code, "detail": detail}, status=status, headers=headers)


def _http_error(status: int, code: str, detail: Any) -> web.HTTPException:
    return _ERRORS[status](text=json.dumps({"error": code, "detail": detail}),
                           content_type="application/json")


def _example_event() -> CloudEvent:
    record = Kamerbrief(id="kst-00000-0", title="Testbericht van kamerstroom",
                        subject="Een test van dit webhook-endpoint").with_content_hash()
    return CloudEvent(id="test", source="https://kamerstroom.nl", type=EventKind.PUBLISHED.event_type,
                      subject=record.id, time=datetime.now(UTC), data=record)
