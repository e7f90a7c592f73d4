"""Trace context: traceparent parsing, header propagation, and log binding."""

from __future__ import annotations

import structlog

from shared import tracing
from shared.messaging.topology import CORRELATION_HEADER
from shared.tracing import EVENT_ID_HEADER, TRACEPARENT_HEADER, TraceContext

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE}-{PARENT}-01"


def test_valid_traceparent_is_parsed() -> None:
    """A W3C version-00 traceparent gives its trace id and parent id."""
    assert (TRACE, PARENT) == tracing.parse_traceparent(TRACEPARENT)


def test_invalid_traceparents_are_rejected() -> None:
    """Malformed, all-zero and unknown-version values are not trusted."""
    bad = ["", "garbage", f"01-{TRACE}-{PARENT}-01", f"00-{'0' * 32}-{PARENT}-01",
           f"00-{TRACE}-{'0' * 16}-01", f"00-{TRACE[:-1]}-{PARENT}-01"]
    assert [None] * len(bad) == [tracing.parse_traceparent(v) for v in bad]


def test_incoming_headers_continue_the_trace_with_a_new_span() -> None:
    """A consumer keeps the trace id and ids of the message but starts its own span."""
    context = TraceContext.from_headers({TRACEPARENT_HEADER: TRACEPARENT.encode(),
                                         CORRELATION_HEADER: "kst-36124-3", EVENT_ID_HEADER: "e-1"})
    assert (TRACE, "kst-36124-3", "e-1") == (context.trace_id, context.correlation_id,
                                            context.event_id)
    assert PARENT != context.span_id


def test_missing_headers_start_a_new_trace() -> None:
    """A message without trace headers gets a fresh, valid trace."""
    context = TraceContext.from_headers({})
    assert tracing.parse_traceparent(context.traceparent) is not None
    assert None is context.correlation_id


def test_new_ids_are_valid_and_distinct() -> None:
    """Trace and span ids are lowercase hex of the W3C lengths, accepted by the parser, unique."""
    traces = {tracing.new_id(128) for _ in range(1000)}
    spans = {tracing.new_id(64) for _ in range(1000)}
    assert 1000 == len(traces) == len(spans)
    for trace_id, span_id in zip(traces, spans, strict=True):
        assert (trace_id, span_id) == tracing.parse_traceparent(f"00-{trace_id}-{span_id}-01")


def test_outgoing_headers_carry_the_bound_context() -> None:
    """Within a bound block a publish carries correlation id, event id and the same trace."""
    with tracing.bind_from_headers({TRACEPARENT_HEADER: TRACEPARENT}):
        tracing.bind(correlation_id="kst-36124-3", event_id="e-1")
        headers = tracing.outgoing_headers({"x-kamerstroom-feed": "officielebekendmakingen",
                                            CORRELATION_HEADER: "upstream-guess"})
    parsed = tracing.parse_traceparent(headers[TRACEPARENT_HEADER])
    assert parsed is not None and TRACE == parsed[0]
    assert "kst-36124-3" == headers[CORRELATION_HEADER]
    assert "e-1" == headers[EVENT_ID_HEADER]
    assert "officielebekendmakingen" == headers["x-kamerstroom-feed"]


def test_outgoing_headers_without_context_start_a_trace() -> None:
    """Outside any context a publish keeps its headers and starts a trace of its own."""
    headers = tracing.outgoing_headers({"a": 1})
    assert 1 == headers["a"]
    assert tracing.parse_traceparent(headers[TRACEPARENT_HEADER]) is not None


def test_outgoing_headers_without_context_keep_a_given_trace() -> None:
    """A message that already carries a traceparent keeps it when no context is bound."""
    assert TRACEPARENT == tracing.outgoing_headers({TRACEPARENT_HEADER: TRACEPARENT})[TRACEPARENT_HEADER]


def test_log_fields_are_bound_and_restored() -> None:
    """Ids are log context inside the block and gone after it."""
    structlog.contextvars.clear_contextvars()
    with tracing.bind_from_headers({CORRELATION_HEADER: "kst-1", TRACEPARENT_HEADER: TRACEPARENT}):
        tracing.bind(event_id="e-9")
        inside = structlog.contextvars.get_contextvars()
    after = structlog.contextvars.get_contextvars()
    assert {"correlation_id": "kst-1", "event_id": "e-9", "trace_id": TRACE} == inside
    assert {} == after
    assert None is tracing.current()


def test_http_headers_carry_a_traceparent_of_the_trace() -> None:
    """A webhook request in a letter's context carries the letter's trace id."""
    with tracing.bind_from_headers({TRACEPARENT_HEADER: TRACEPARENT}):
        value = tracing.http_headers()[TRACEPARENT_HEADER]
    parsed = tracing.parse_traceparent(value)
    assert parsed is not None and TRACE == parsed[0]
