"""The parser service: raw message in, normalised record out, outcome counted per format."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from services.parser.service import INLINE_MAX_BYTES, ParserService
from shared.messaging import OutgoingMessage
from shared.messaging.memory import MemoryBroker
from shared.messaging.topology import REASON_HEADER
from shared.schema import NormalisedDocument, RawDocument

KST = Path(__file__).parents[1] / "fixtures/real/koop-officiele-publicaties-xml"


def _count(outcome: str) -> float:
    labels = {"format": "kst-xml", "outcome": outcome}
    return REGISTRY.get_sample_value("kamerstroom_parse_results_total", labels) or 0.0


def _raw(body: bytes) -> OutgoingMessage:
    raw = RawDocument(feed="officielebekendmakingen", upstream_id="kst-31839-1105",
                      fetched_at=datetime(2025, 10, 2, tzinfo=UTC), format="kst-xml", body=body)
    return OutgoingMessage(raw.model_dump_json().encode(), "officielebekendmakingen",
                           message_id="m-1")


async def _run(body: bytes) -> MemoryBroker:
    broker = MemoryBroker()
    await broker.connect()
    service = ParserService(broker, prefetch=1)
    await service.start()
    await broker.publish(broker.topology.raw, _raw(body))
    await broker.drain()
    await service.stop()
    return broker


async def test_a_kst_document_is_published_normalised_and_counted() -> None:
    """A real kst XML becomes one normalised record with the raw message's id, counted ok."""
    before = _count("ok") + _count("warning")
    broker = await _run((KST / "kst-31839-1105-motie-full-metadata.xml").read_bytes())
    out = [m for exchange, m in broker.published if exchange == broker.topology.normalised]
    assert 1 == len(out)
    assert "m-1" == out[0].message_id
    record = NormalisedDocument.model_validate_json(out[0].body).record
    assert record is not None
    assert "kst-31839-1105" == record.id
    assert before + 1 == _count("ok") + _count("warning")


async def test_a_truncated_document_is_dead_lettered_and_counted() -> None:
    """A kst XML cut off before any text goes to the dead queue with its reason, counted."""
    before = _count("unprocessable")
    broker = await _run(b"<officiele-publicatie><kamerstuk>")
    dead = broker.queues[broker.topology.dead_queue]
    assert 1 == dead.qsize()
    _, message = dead.get_nowait()
    assert "empty-body" == message.headers[REASON_HEADER]
    assert before + 1 == _count("unprocessable")


async def test_small_documents_parse_on_the_loop_and_large_ones_in_the_parse_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A small kst XML is parsed inline; one over the inline limit goes to the parse thread."""
    threads: list[str] = []
    original = ParserService.normalise

    def spy(raw: RawDocument) -> NormalisedDocument:
        threads.append(threading.current_thread().name)
        return original(raw)

    monkeypatch.setattr(ParserService, "normalise", staticmethod(spy))
    small = (KST / "kst-31839-1105-motie-full-metadata.xml").read_bytes()
    assert len(small) <= INLINE_MAX_BYTES
    large = small.replace(b"</officiele-publicatie>",
                          b"<!--" + b"x" * INLINE_MAX_BYTES + b"--></officiele-publicatie>")
    await _run(small)
    await _run(large)
    assert threading.main_thread().name == threads[0]
    assert threads[1].startswith("parse")


@pytest.mark.parametrize(("fixture", "event", "level"), [
    ("kst-31839-1105-motie-full-metadata.xml", "parsed", "debug"),
    ("kst-33009-173-gewijzigde-motie.xml", "parsed", "debug"),
    ("kst-32545-143-motie.xml", "parsed with warnings", "info"),
    ("kst-24515-782-motie-extern-metadata.xml", "parsed with warnings", "info"),
])
async def test_a_parse_with_warnings_is_logged_at_info_with_them(fixture: str, event: str,
                                                                 level: str) -> None:
    """A clean parse is a debug line (the publisher logs the letter); warnings are worth an
    operator's look, so they are an info line that quotes them."""
    with capture_logs() as logs:
        await _run((KST / fixture).read_bytes())
    parsed = [e for e in logs if e["event"].startswith("parsed")]
    assert [(event, level)] == [(e["event"], e["log_level"]) for e in parsed]
    if level == "info":
        assert any("metadata is external" in w for w in parsed[0]["warnings"])
