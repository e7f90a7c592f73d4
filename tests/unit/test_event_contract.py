"""Every event type is one a CloudEvents SDK accepts, and matches the schemas we publish.

The official Python SDK reads each event as a subscriber gets it: the JSON event format,
the RabbitMQ binding (structured mode, as the publisher sends it to ``<ns>.events``) and
the HTTP binding (as a webhook). Events stored in wire format 1 are re-sent as format 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kamerstroom.receivers import Received
from services.publisher.records import RecordStore, Version
from services.publisher.webhooks.delivery import payload
from shared.schema import CloudEvent, EventKind
from shared.schema.events import CONTENT_TYPE, DATA_SCHEMA, SCHEMA_BASE, upgrade_event_json
from shared.schema.record import SourceRef
from tests.support.contracts import (
    SCHEMA_DIR,
    assert_valid_event,
    assert_valid_record,
    read_from_http,
    read_from_queue,
    read_structured,
    registry,
)
from tests.unit.publisher.letters import kst, rijksoverheid, tweedekamer


@pytest.fixture
def versions(tmp_path: Path) -> list[Version]:
    """published, updated (twice), withdrawn: every event type, as the record store makes them."""
    store = RecordStore(tmp_path / "db.sqlite3", event_source="https://kamerstroom.nl")
    made = []
    try:
        for step in (kst(), tweedekamer(), rijksoverheid()):
            version = store.ingest(step)
            assert version is not None
            store.mark_announced(version)
            made.append(version)
        for feed, upstream in (("officielebekendmakingen", "kst-36124-3"),
                               ("tweedekamer", "0f1e2d3c-tk"), ("rijksoverheid", "7a8b9c")):
            withdrawn = store.withdraw(SourceRef(feed=feed, upstream_id=upstream))
            if withdrawn is not None:
                store.mark_announced(withdrawn)
                made.append(withdrawn)
    finally:
        store.close()
    assert set(EventKind) == {v.kind for v in made}
    return made


def test_every_event_type_reads_with_the_sdk_json_format(versions: list[Version]) -> None:
    """The SDK's JSON reader accepts each event; extensions and dataschema come through."""
    for version in versions:
        event = read_structured(version.body())
        assert (version.event.id, version.event.type) == (event.get_id(), event.get_type())
        assert DATA_SCHEMA == event.get_dataschema()
        assert version.event.replay is event.get_extension("replay")
        if version.kind is EventKind.UPDATED:
            assert ",".join(version.event.changed_fields) == event.get_extension("changedfields")
        else:
            assert "changedfields" not in event.get_attributes()


def test_every_event_type_reads_with_the_sdk_rabbitmq_and_http_bindings(versions: list[Version]) -> None:
    """As the publisher sends them: structured mode, content type application/cloudevents+json."""
    for version in versions:
        body = version.body().encode()
        message = Received(body=json.loads(body), raw=body, content_type=CONTENT_TYPE,
                           headers={"x-kamerstroom-correlation-id": version.letter_id})
        assert version.event.id == read_from_queue(message).get_id()
        webhook = payload(version.body())
        assert version.event.id == read_from_http({"Content-Type": CONTENT_TYPE}, webhook).get_id()


def test_every_event_and_its_record_match_the_published_schemas(versions: list[Version]) -> None:
    """event.json for the envelope; the schema that ``dataschema`` names for ``data``."""
    for version in versions:
        event = json.loads(version.body())
        assert_valid_event(event)
        assert_valid_record(event["data"])


def test_the_published_schemas_declare_dialect_and_id_and_specversion() -> None:
    """``$schema`` and ``$id`` in each file; ``specversion`` required and fixed to 1.0."""
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert "https://json-schema.org/draft/2020-12/schema" == schema["$schema"]
        assert SCHEMA_BASE + path.name == schema["$id"]
    event = registry().contents(SCHEMA_BASE + "event.json")
    assert "specversion" in event["required"]
    assert "1.0" == event["properties"]["specversion"]["const"]
    assert "Kamerbrief" == registry().contents(DATA_SCHEMA)["title"]  # dataschema resolves


def test_a_format_1_event_is_read_and_resent_as_format_2(versions: list[Version]) -> None:
    """Stored before the rename: ``changed_fields`` (a list) and the old dataschema become format 2."""
    updated = next(v for v in versions if v.kind is EventKind.UPDATED)
    old = json.loads(updated.body())
    old["changed_fields"] = old.pop("changedfields").split(",")
    old["dataschema"] = "https://kamerstroom.nl/schema/event-data.json"
    stored = json.dumps(old)
    assert updated.event == CloudEvent.model_validate_json(stored)
    resent = json.loads(upgrade_event_json(stored))
    assert updated.event.changedfields == resent["changedfields"]
    assert DATA_SCHEMA == resent["dataschema"]
    assert_valid_event(json.loads(payload(stored)))
    assert updated.event.id == read_structured(payload(stored)).get_id()
