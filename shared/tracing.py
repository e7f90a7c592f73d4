"""Correlation across services: ids in message headers, a W3C ``traceparent``, log binding.

A letter's messages carry three headers from hop to hop:

    x-kamerstroom-correlation-id   the record id (``kst-36124-3``); the fetcher's best guess
                                   is the upstream id, the parser corrects it after parsing
    x-kamerstroom-event-id         the CloudEvent id, once the publisher has built the event
    traceparent                    W3C Trace Context: one trace id for the letter's whole
                                   journey, a new span id per hop

The broker binds the context of each delivery before calling its handler
(``bind_from_headers``) and stamps it on every publish (``outgoing_headers``), so a
service only adds what it learns: ``bind(correlation_id=record.id)`` in the parser,
``bind(event_id=event.id)`` in the publisher. Every log line written meanwhile carries
``correlation_id``, ``event_id`` and ``trace_id`` through structlog's contextvars.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import structlog

from shared.messaging.topology import CORRELATION_HEADER

EVENT_ID_HEADER = "x-kamerstroom-event-id"
TRACEPARENT_HEADER = "traceparent"
# The log keys this module binds (and restores when a scope ends).
LOG_KEYS = ("correlation_id", "event_id", "trace_id")

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_current: ContextVar[TraceContext | None] = ContextVar("kamerstroom_trace", default=None)
# Trace and span ids must be unique, not secret (W3C Trace Context): a generator seeded
# from the OS spares a system call per hop and per webhook delivery.
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)  # a forked child must not repeat the parent's ids


def new_id(bits: int) -> str:
    """A random, never all-zero id of ``bits`` bits as lowercase hex (128: trace, 64: span)."""
    return f"{_ids.getrandbits(bits) or 1:0{bits // 4}x}"


@dataclass(frozen=True)
class TraceContext:
    """What identifies the letter being worked on, and where in its trace we are."""

    trace_id: str
    span_id: str
    correlation_id: str | None = None
    event_id: str | None = None

    @classmethod
    def new(cls, correlation_id: str | None = None, event_id: str | None = None) -> TraceContext:
        """A fresh trace (a letter entering the system)."""
        return cls(trace_id=new_id(128), span_id=new_id(64),
                   correlation_id=correlation_id, event_id=event_id)

    @classmethod
    def from_headers(cls, headers: Mapping[str, Any] | None) -> TraceContext:
        """Continue the trace of an incoming message (a new span), or start one."""
        headers = headers or {}
        parsed = parse_traceparent(_text(headers.get(TRACEPARENT_HEADER)))
        return cls(
            trace_id=parsed[0] if parsed else new_id(128),
            span_id=new_id(64),
            correlation_id=_text(headers.get(CORRELATION_HEADER)),
            event_id=_text(headers.get(EVENT_ID_HEADER)),
        )

    @property
    def traceparent(self) -> str:
        """This span as a W3C ``traceparent`` value (sampled flag set)."""
        return f"00-{self.trace_id}-{self.span_id}-01"

    def headers(self) -> dict[str, str]:
        """The headers that carry this context to the next hop."""
        out = {TRACEPARENT_HEADER: self.traceparent}
        if self.correlation_id:
            out[CORRELATION_HEADER] = self.correlation_id
        if self.event_id:
            out[EVENT_ID_HEADER] = self.event_id
        return out

    def log_fields(self) -> dict[str, str]:
        """The fields every log line in this context carries."""
        fields = {"trace_id": self.trace_id}
        if self.correlation_id:
            fields["correlation_id"] = self.correlation_id
        if self.event_id:
            fields["event_id"] = self.event_id
        return fields


def parse_traceparent(value: str | None) -> tuple[str, str] | None:
    """``(trace_id, parent_id)`` of a valid version-00 ``traceparent``, else ``None``."""
    if not value:
        return None
    match = _TRACEPARENT.match(value.strip().lower())
    if match is None or set(match.group(1)) == {"0"} or set(match.group(2)) == {"0"}:
        return None  # all-zero ids are invalid per the spec
    return match.group(1), match.group(2)


def current() -> TraceContext | None:
    """The context bound in this task, if any."""
    return _current.get()


@contextmanager
def bound(context: TraceContext) -> Iterator[TraceContext]:
    """Make ``context`` current (and its ids log fields) until the block ends."""
    token = _current.set(context)
    fields = context.log_fields()
    # Each key is bound (a missing one to ``...``, which structlog leaves out of a line) and
    # reset by its own token: no copy of the whole context per delivery, as reading and
    # restoring it with ``get_contextvars`` took.
    tokens = structlog.contextvars.bind_contextvars(**{k: fields.get(k, ...) for k in LOG_KEYS})
    try:
        yield context
    finally:
        structlog.contextvars.reset_contextvars(**tokens)
        _current.reset(token)


def bind_from_headers(headers: Mapping[str, Any] | None) -> Any:
    """``bound(TraceContext.from_headers(headers))``: what a consumer does per delivery."""
    return bound(TraceContext.from_headers(headers))


def bind(*, correlation_id: str | None = None, event_id: str | None = None) -> TraceContext:
    """Add what this hop learned to the current context (starting one if there is none).

    Lasts until the enclosing ``bound`` block ends (or the task ends).
    """
    context = _current.get() or TraceContext.new()
    # Built directly: ``dataclasses.replace`` looks the fields up again on every call.
    context = TraceContext(context.trace_id, context.span_id,
                           correlation_id or context.correlation_id, event_id or context.event_id)
    _current.set(context)
    structlog.contextvars.bind_contextvars(**context.log_fields())
    return context


def outgoing_headers(headers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``headers`` plus the current context as a child span; the context wins for its keys.

    Without a current context (a letter entering the system, e.g. the fetcher's publish)
    the message starts a trace of its own, unless its headers already carry one.
    """
    out = dict(headers or {})
    context = _current.get()
    if context is not None:
        out.update(TraceContext(context.trace_id, new_id(64), context.correlation_id,
                                context.event_id).headers())
    elif parse_traceparent(_text(out.get(TRACEPARENT_HEADER))) is None:
        out[TRACEPARENT_HEADER] = TraceContext.new().traceparent
    return out


def http_headers() -> dict[str, str]:
    """Headers for an outgoing HTTP request (a webhook delivery) in the current context."""
    context = _current.get()
    if context is None:
        return {}
    return {TRACEPARENT_HEADER: f"00-{context.trace_id}-{new_id(64)}-01"}


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value if isinstance(value, str) and value else None
