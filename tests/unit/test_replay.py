"""Replay starts (``--offset``, ``--since``) and the event log's stream arguments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kamerstroom.cli import build_parser
from kamerstroom.commands.subscribe import _start
from kamerstroom.replay import StreamStart
from shared.errors import ConfigError
from shared.messaging import Topology
from shared.messaging.rabbitmq import event_log_arguments
from shared.messaging.topology import Binding


@pytest.mark.parametrize(("text", "value"), [("first", "first"), ("last", "last"), ("0", 0),
                                             ("1234", 1234)])
def test_offsets_are_names_or_numbers(text: str, value: str | int) -> None:
    assert value == StreamStart.parse_offset(text).value


@pytest.mark.parametrize("text", ["-1", "1.5", "oldest", ""])
def test_other_offsets_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected first, last or an offset number"):
        StreamStart.parse_offset(text)


def test_since_is_a_moment_with_its_zone() -> None:
    """Z and numeric zones both mean the same instant; a moment without a zone is refused."""
    assert datetime(2026, 11, 1, tzinfo=UTC) == StreamStart.parse_since("2026-11-01T00:00:00Z").value
    assert datetime(2026, 11, 1, tzinfo=UTC) == StreamStart.parse_since(
        "2026-11-01T01:00:00+01:00").value
    assert timezone(timedelta(hours=1)) == StreamStart.parse_since(
        "2026-11-01T01:00:00+01:00").value.tzinfo  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="zone"):
        StreamStart.parse_since("2026-11-01T00:00:00")
    with pytest.raises(ValueError, match="ISO 8601"):
        StreamStart.parse_since("last tuesday")


def test_subscribe_options_make_one_start_or_one_line_of_error() -> None:
    """``--since`` and ``--offset`` exclude each other; a bad value is a ConfigError line."""
    parser = build_parser()
    assert None is _start(parser.parse_args(["subscribe"]))
    assert StreamStart(5) == _start(parser.parse_args(["subscribe", "--offset", "5"]))
    with pytest.raises(ConfigError, match=r"^--since: give the moment's zone"):
        _start(parser.parse_args(["subscribe", "--since", "2026-11-01T00:00:00"]))
    with pytest.raises(SystemExit):
        parser.parse_args(["subscribe", "--since", "2026-11-01T00:00:00Z", "--offset", "first"])


def test_stream_arguments_carry_the_retention() -> None:
    """x-max-age always; x-max-length-bytes only when a size limit is set."""
    assert {"x-queue-type": "stream", "x-max-age": "365D"} == event_log_arguments(Topology("t"))
    assert {"x-queue-type": "stream", "x-max-age": "7D", "x-max-length-bytes": 10**9} == (
        event_log_arguments(Topology("t", event_log_max_age="7D", event_log_max_bytes=10**9)))
    assert Binding("t.events.log", "t.events", "#") == Topology("t").event_log_binding
