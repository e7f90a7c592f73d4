"""Fault: two publisher replicas start at once with the same ``KAMERSTROOM_WEBHOOK_URLS``.

Each registers the static endpoint under the same stable id: it looks the id up and
creates the endpoint when it is not there. The race is made certain here: replica B
looks first, replica A registers in between, then B creates. That must leave one
endpoint and let B start.

The lookup and the insert are two statements; the insert under a given id is
``ON CONFLICT (id) DO NOTHING``, so B gets A's endpoint instead of a primary-key error.
"""

from __future__ import annotations

import pytest

from services.publisher.main import register_static
from services.publisher.webhooks.models import Endpoint
from services.publisher.webhooks.registry import EndpointRegistry

URL = "http://127.0.0.1:9/hook"  # never called: only registered

pytestmark = pytest.mark.postgresql


def test_two_replicas_registering_the_same_static_endpoint_at_once_leave_one(
        postgres_url: str) -> None:
    """B's lookup comes before A's insert, B's insert after it: one endpoint, no error."""
    first, second = EndpointRegistry(postgres_url), EndpointRegistry(postgres_url)
    looked_up = second.get

    def lookup_then_the_other_registers(endpoint_id: str) -> Endpoint | None:
        found = looked_up(endpoint_id)
        register_static(first, [URL])  # the other replica, between lookup and insert
        return found

    second.get = lookup_then_the_other_registers  # type: ignore[method-assign]
    try:
        register_static(second, [URL])
        assert [URL] == [endpoint.url for endpoint in first.all()]
    finally:
        first.close()
        second.close()
