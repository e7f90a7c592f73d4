"""The benchmark harness in quick mode, on the real broker: it runs and writes its files."""

from __future__ import annotations

import json
import re

import pytest

from bench import harness
from tests.support.postgres import find_bindir, in_ci

FIELDS = {"scenario", "figure", "unit", "baseline", "ratio", "target", "target_kind", "met", "note"}
PIPELINE_ON_POSTGRESQL = ["pipeline/postgresql", "pipeline/postgresql/cpu-per-letter",
                          "pipeline/postgresql/server-cpu-per-letter"]
STREAM_ON_POSTGRESQL = ["webhooks/20x3/postgresql", "webhooks/20x3/postgresql/cpu-per-delivery",
                        "webhooks/20x3/postgresql/server-cpu-per-delivery"]
pytestmark = pytest.mark.broker


async def test_quick_pipeline_writes_json_and_markdown(tmp_path, amqp_url, monkeypatch):
    """`python -m bench --quick` on the pipeline writes latest.json rows of the documented shape."""
    monkeypatch.setenv("KAMERSTROOM_AMQP_URL", amqp_url)
    await harness.run(["pipeline"], quick=True, out=tmp_path, echo=lambda line: None)
    rows = json.loads((tmp_path / "latest.json").read_text())
    assert ["pipeline", "pipeline/cpu-per-letter-vs-floor", "pipeline/separate-processes",
            "pipeline/run-child-parser", "memory/peak-rss",
            *PIPELINE_ON_POSTGRESQL] == [row["scenario"] for row in rows]
    assert [FIELDS] * 8 == [set(row) for row in rows]
    pipeline, vs_floor, separate, child, memory = rows[:5]
    # The ratio to the bare relay is a figure; the goal is the CPU per letter over its floor.
    assert ("letters/s", None, None, None) == (
        pipeline["unit"], pipeline["target_kind"], pipeline["target"], pipeline["met"])
    assert ("× floor", "max_value", 1.25) == (vs_floor["unit"], vs_floor["target_kind"], vs_floor["target"])
    assert isinstance(vs_floor["figure"], float) and vs_floor["figure"] > 0, vs_floor["note"]
    for part in ("relay", "parse", "store", "envelope"):
        assert f"+ {part} " in vs_floor["note"] or f"= {part} " in vs_floor["note"], vs_floor["note"]
    assert ("letters/s", None, None, None) == (
        separate["unit"], separate["target_kind"], separate["target"], separate["met"])
    assert ("MB", "max_value", 250) == (memory["unit"], memory["target_kind"], memory["target"])
    assert isinstance(pipeline["figure"], float) and isinstance(memory["met"], bool), rows
    assert isinstance(separate["figure"], float), separate["note"]
    assert separate["baseline"] == pipeline["baseline"]
    assert "CPU per letter: kamerstroom " in pipeline["note"]
    # Which way `run` ran is said; the child's row splits the CPU between its two processes.
    assert "KAMERSTROOM_RUN_PARSER_PROCESS=off" in pipeline["note"]
    assert "KAMERSTROOM_RUN_PARSER_PROCESS=off" in vs_floor["note"]
    assert ("letters/s", None) == (child["unit"], child["target"])
    assert isinstance(child["figure"], float), child["note"]
    assert re.search(r"kamerstroom [\d.]+ ms = parent [\d.]+ ms \+ parser child [\d.]+ ms",
                     child["note"]), child["note"]
    assert "| pipeline |" in (tmp_path / "latest.md").read_text()


async def test_quick_freshness_times_letters_from_reveal_to_webhook(tmp_path, amqp_url, monkeypatch):
    """The freshness scenario reveals letters on a live feed and reports p50 and p99 in seconds,
    p99 held to the poll interval plus two seconds."""
    monkeypatch.setenv("KAMERSTROOM_AMQP_URL", amqp_url)
    await harness.run(["freshness"], quick=True, out=tmp_path, echo=lambda line: None)
    rows = {row["scenario"]: row for row in json.loads((tmp_path / "latest.json").read_text())}
    assert ["freshness/p50", "freshness/p99"] == sorted(rows)
    p99 = rows["freshness/p99"]
    assert ("s", "max_value", 5.0) == (p99["unit"], p99["target_kind"], p99["target"])
    assert isinstance(p99["figure"], float), p99["note"]
    assert 0 < rows["freshness/p50"]["figure"] <= p99["figure"]


async def test_quick_drift_times_a_changed_format_until_readiness_shows_it(
        tmp_path, amqp_url, monkeypatch):
    """The drift scenario switches each replayed feed to a changed format and reports the
    slowest detection in seconds, held to the poll interval plus two seconds."""
    monkeypatch.setenv("KAMERSTROOM_AMQP_URL", amqp_url)
    await harness.run(["drift"], quick=True, out=tmp_path, echo=lambda line: None)
    [row] = json.loads((tmp_path / "latest.json").read_text())
    assert ("drift/detection", "s", "max_value", 5.0) == (
        row["scenario"], row["unit"], row["target_kind"], row["target"])
    assert isinstance(row["figure"], float), row["note"]
    assert "2 changes (1 per feed)" in row["note"]


async def test_quick_replay_reads_the_event_log_beside_a_raw_stream_consumer(
        tmp_path, amqp_url, monkeypatch):
    """The replay scenario reads every stored event from the stream on both sides and holds
    kamerstroom to 0.7 × the raw aio-pika consumer."""
    monkeypatch.setenv("KAMERSTROOM_AMQP_URL", amqp_url)
    await harness.run(["replay"], quick=True, out=tmp_path, echo=lambda line: None)
    [row] = json.loads((tmp_path / "latest.json").read_text())
    assert ("replay", "events/s", "min_ratio", 0.7) == (
        row["scenario"], row["unit"], row["target_kind"], row["target"])
    assert isinstance(row["figure"], float) and isinstance(row["baseline"], float), row["note"]
    assert "200 events" in row["note"]


async def test_quick_read_times_the_read_api_and_a_feed(tmp_path, amqp_url, monkeypatch):
    """The read scenario fills a store, serves it, and reports p99 with and without q (held to
    50 ms) and the feed's render time."""
    monkeypatch.setenv("KAMERSTROOM_AMQP_URL", amqp_url)
    await harness.run(["read"], quick=True, out=tmp_path, echo=lambda line: None)
    rows = {row["scenario"]: row for row in json.loads((tmp_path / "latest.json").read_text())}
    assert ["feed/render", "read/p99", "read/p99-q"] == sorted(rows)
    for name in ("read/p99", "read/p99-q"):
        row = rows[name]
        assert ("ms", "max_value", 50.0) == (row["unit"], row["target_kind"], row["target"])
        assert isinstance(rows[name]["figure"], float), rows[name]["note"]
    assert "200 letters stored" in rows["read/p99"]["note"]
    assert 0 < rows["feed/render"]["figure"]


async def test_quick_webhooks_hold_cpu_per_delivery_to_its_floor(tmp_path, amqp_url, monkeypatch):
    """Each webhook shape has its rate row and a row of CPU per delivery over the raw client's
    POST + HMAC and one delivery-record write; only the fan-out keeps its target beside raw."""
    monkeypatch.setenv("KAMERSTROOM_AMQP_URL", amqp_url)
    await harness.run(["webhooks"], quick=True, out=tmp_path, echo=lambda line: None)
    rows = {row["scenario"]: row for row in json.loads((tmp_path / "latest.json").read_text())}
    assert sorted(["webhooks/1x20", "webhooks/1x20/cpu-per-delivery-vs-floor", "webhooks/20x3",
                   "webhooks/20x3/cpu-per-delivery-vs-floor", *STREAM_ON_POSTGRESQL]) == sorted(rows)
    assert ("min_ratio", 0.7) == (rows["webhooks/1x20"]["target_kind"], rows["webhooks/1x20"]["target"])
    assert (None, None) == (rows["webhooks/20x3"]["target_kind"], rows["webhooks/20x3"]["target"])
    for shape in ("1x20", "20x3"):
        row = rows[f"webhooks/{shape}/cpu-per-delivery-vs-floor"]
        assert ("× floor", "max_value", 1.25) == (row["unit"], row["target_kind"], row["target"])
        assert isinstance(row["figure"], float) and row["figure"] > 0, row["note"]
        assert "= POST + HMAC " in row["note"] and "+ delivery record " in row["note"], row["note"]


@pytest.mark.postgresql
async def test_quick_pipeline_and_stream_run_on_postgresql_too(tmp_path, amqp_url, monkeypatch):
    """With ``--only pipeline webhooks`` the pipeline and the stream shape also run with the
    stores in the bench's own PostgreSQL: a rate beside the same baseline, and the service's
    and the server's CPU per item, all figures without a target."""
    if find_bindir() is None:
        if in_ci():
            pytest.fail("PostgreSQL is required in CI")
        pytest.skip("no PostgreSQL binaries")
    monkeypatch.setenv("KAMERSTROOM_AMQP_URL", amqp_url)
    await harness.run(["pipeline", "webhooks"], quick=True, out=tmp_path, echo=lambda line: None)
    rows = {row["scenario"]: row for row in json.loads((tmp_path / "latest.json").read_text())}
    for name in PIPELINE_ON_POSTGRESQL + STREAM_ON_POSTGRESQL:
        row = rows[name]
        assert (None, None, None) == (row["target"], row["target_kind"], row["met"]), name
        assert isinstance(row["figure"], float) and row["figure"] > 0, row["note"]
    pipeline, stream = rows["pipeline/postgresql"], rows["webhooks/20x3/postgresql"]
    assert ("letters/s", "deliveries/s") == (pipeline["unit"], stream["unit"])
    assert pipeline["baseline"] == rows["pipeline"]["baseline"]
    assert isinstance(stream["baseline"], float), stream["note"]
    for row in (pipeline, stream):
        assert "synchronous_commit on" in row["note"] and ", postgresql " in row["note"], row["note"]
    assert ("ms", "us") == (rows["pipeline/postgresql/server-cpu-per-letter"]["unit"],
                            rows["webhooks/20x3/postgresql/server-cpu-per-delivery"]["unit"])
