"""docs/asyncapi.yaml refers to the one schema in docs/schema/, and the validators of the
JavaScript ecosystem accept what we publish: the official AsyncAPI parser
(@asyncapi/parser) the document, the CloudEvents JS SDK in strict mode every event type.

The JavaScript tools are installed by ``npm ci --prefix tools/contracts`` (``make test``
and ``.ci/run`` do it). Without them these tests are skipped, except in CI, where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.publisher.events import build_event
from shared import tracing
from shared.messaging import Topology
from shared.schema import EventKind, Kamerbrief
from shared.schema.events import SCHEMA_BASE
from tests.support.contracts import assert_valid_event
from tests.unit.publisher.letters import kst

ROOT = Path(__file__).parents[2]
TOOLS = ROOT / "tools" / "contracts"
ASYNCAPI = ROOT / "docs" / "asyncapi.yaml"


def _node() -> str:
    node = shutil.which("node")
    if node is None or not (TOOLS / "node_modules").is_dir():
        if os.environ.get("CI"):
            pytest.fail("node or tools/contracts/node_modules missing in CI "
                        "(npm ci --prefix tools/contracts)")
        pytest.skip("run `npm ci --prefix tools/contracts` for the JavaScript validators")
    return node


def _events() -> list[dict[str, Any]]:
    record: Kamerbrief = kst()
    return [json.loads(build_event(record, kind, source="https://kamerstroom.nl", replay=True,
                                   changed_fields=["same_as", "urls"] if kind is EventKind.UPDATED else None)
                       .model_dump_json()) for kind in EventKind]


def test_asyncapi_refers_to_the_published_schema_and_lists_every_header_and_binding() -> None:
    """No hand-written copy of the record: the payload is docs/schema/event.json."""
    document = yaml.safe_load(ASYNCAPI.read_text())
    components = document["components"]
    payload = components["schemas"]["CloudEvent"]
    assert {"$ref": "./schema/event.json"} == payload["schema"]
    event_schema = json.loads((ASYNCAPI.parent / "schema" / "event.json").read_text())
    assert SCHEMA_BASE + "event.json" == event_schema["$id"]
    headers = set(components["schemas"]["Headers"]["properties"])
    assert {tracing.TRACEPARENT_HEADER, "x-kamerstroom-correlation-id", "x-kamerstroom-event-id"} == headers
    assert {kind.value for kind in EventKind} == set(components["messages"])
    for kind in EventKind:
        message = components["messages"][kind.value]
        assert kind.event_type == message["name"]
        binding = components["messageBindings"][message["bindings"]["$ref"].rsplit("/", 1)[1]]
        assert kind.event_type == binding["amqp"]["messageType"]


def test_asyncapi_describes_every_channel_a_subscriber_can_read() -> None:
    """The events exchange and the event-log stream, named as the topology declares them."""
    channels = yaml.safe_load(ASYNCAPI.read_text())["channels"]
    topology = Topology("NS")
    addresses = {name: c["address"].replace("{namespace}", "NS") for name, c in channels.items()}
    assert {"events": topology.events, "eventLog": topology.event_log} == addresses
    stream = channels["eventLog"]["bindings"]["amqp"]
    queue_name = stream["queue"]["name"].replace("{namespace}", "NS")
    assert ("queue", topology.event_log) == (stream["is"], queue_name)
    assert topology.event_log_binding.exchange == topology.events
    assert set(channels["events"]["messages"]) == set(channels["eventLog"]["messages"])


def test_asyncapi_document_passes_the_official_parser() -> None:
    """@asyncapi/parser, with the schema files resolved: no error diagnostic."""
    done = subprocess.run([_node(), str(TOOLS / "check-asyncapi.mjs"), str(ASYNCAPI)],
                          capture_output=True, text=True, timeout=120)
    assert 0 == done.returncode, done.stdout + done.stderr
    assert "asyncapi: valid" in done.stdout


def test_every_event_type_passes_the_cloudevents_js_sdk_in_strict_mode(tmp_path: Path) -> None:
    """``new CloudEvent(event, true)`` accepts each type (it refused format 1's ``changed_fields``)."""
    events = _events()
    for event in events:
        assert_valid_event(event)
    file = tmp_path / "events.json"
    file.write_text(json.dumps(events))
    done = subprocess.run([_node(), str(TOOLS / "check-cloudevents.mjs"), str(file)],
                          capture_output=True, text=True, timeout=60)
    assert 0 == done.returncode, done.stdout + done.stderr
    assert f"cloudevents: {len(events)} accepted, 0 refused" in done.stdout
