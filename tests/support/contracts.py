"""Checks of what kamerstroom publishes against the contracts it publishes them under.

Events are read with the official CloudEvents Python SDK (its JSON format, and its
RabbitMQ and HTTP bindings, as a subscriber would); events and records are validated
against ``docs/schema/*.json``, resolved by their ``$id`` as a subscriber would resolve
the event's ``dataschema``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings import http, rabbitmq
from cloudevents.core.formats.json import JSONFormat
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from kamerstroom.receivers import Received

SCHEMA_DIR = Path(__file__).parents[2] / "docs" / "schema"


@functools.cache
def registry() -> Registry[Any]:
    """Every published schema under its ``$id`` (the URLs ``dataschema`` and ``$ref`` name)."""
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


@functools.cache
def validator(schema_id: str) -> Draft202012Validator:
    schema = registry().contents(schema_id)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=registry(), format_checker=FormatChecker())


def schema_id(name: str) -> str:
    """The ``$id`` of ``docs/schema/<name>``."""
    return str(json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))["$id"])


def assert_valid_event(event: dict[str, Any]) -> None:
    """``event`` validates against event.json, and its data against the schema ``dataschema`` names."""
    validator(schema_id("event.json")).validate(event)
    validator(event["dataschema"]).validate(event["data"])


def assert_valid_record(record: dict[str, Any]) -> None:
    """``record`` validates against kamerbrief.json."""
    validator(schema_id("kamerbrief.json")).validate(record)


def read_structured(body: bytes | str) -> BaseCloudEvent:
    """The SDK's JSON event format reader (raises on an event it refuses)."""
    return JSONFormat().read(None, body)


def read_from_queue(item: Received) -> BaseCloudEvent:
    """The SDK's RabbitMQ binding, on the message as the broker delivered it."""
    headers = {k: str(v) for k, v in item.headers.items()}
    message = rabbitmq.RabbitMQMessage(headers=headers, content_type=item.content_type, body=item.raw)
    return rabbitmq.from_rabbitmq(message, JSONFormat())


def read_from_http(headers: dict[str, str], body: bytes) -> BaseCloudEvent:
    """The SDK's HTTP binding, on a webhook request."""
    return http.from_http(http.HTTPMessage(headers=dict(headers), body=body), JSONFormat())


def assert_subscriber_can_read(item: Received, *, via: str) -> BaseCloudEvent:
    """An event received ``via`` "amqp" or "http": the SDK reads it and it matches the schemas."""
    event = read_from_queue(item) if via == "amqp" else read_from_http(item.headers, item.raw)
    assert event.get_id() == item.body["id"]
    assert_valid_event(item.body)
    return event
