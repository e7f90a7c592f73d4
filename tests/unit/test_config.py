"""Settings are read from KAMERSTROOM_* variables and bad values give one readable line."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from shared.config import SOURCE_NAMES, Settings, child_environment, load_settings
from shared.errors import ConfigError
from shared.messaging import Topology


def test_defaults_cover_every_source(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without configuration all three feeds are polled every 60 s."""
    for name in ("KAMERSTROOM_SOURCES", "KAMERSTROOM_POLL_INTERVAL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert list(SOURCE_NAMES) == settings.sources
    assert None is settings.poll_interval


def test_comma_lists_are_split(monkeypatch: pytest.MonkeyPatch) -> None:
    """Comma-separated variables become lists, ignoring spaces and empty items."""
    monkeypatch.setenv("KAMERSTROOM_SOURCES", "tweedekamer, officielebekendmakingen,")
    monkeypatch.setenv("KAMERSTROOM_WEBHOOK_URLS", "https://a.example/hook,https://b.example/x")
    monkeypatch.setenv("KAMERSTROOM_WEBHOOK_RETRY_SCHEDULE", "0,1.5,10")
    settings = load_settings()
    assert ["tweedekamer", "officielebekendmakingen"] == settings.sources
    assert ["https://a.example/hook", "https://b.example/x"] == settings.webhook_urls
    assert [0.0, 1.5, 10.0] == settings.webhook_retry_schedule


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("KAMERSTROOM_AMQP_URL", "amqp://guest:guest@localhost:notaport/", "KAMERSTROOM_AMQP_URL"),
        ("KAMERSTROOM_AMQP_URL", "http://localhost/", "expected amqp://"),
        ("KAMERSTROOM_SOURCES", "twitter", "unknown source"),
        ("KAMERSTROOM_SOURCES", "tweedekamer,rijksoverheid", "'rijksoverheid' is retired: the "
         "rijksoverheid.nl open data API v1 answers 404 since 2 June 2026"),
        ("KAMERSTROOM_HTTP_PORT", "99999", "KAMERSTROOM_HTTP_PORT"),
    ],
)
def test_bad_values_raise_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, fragment: str
) -> None:
    """A bad value raises ConfigError naming the variable, on a single line."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message


def test_webhook_timeout_follows_standard_webhooks_and_is_configurable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """15 s per attempt by default (the Standard Webhooks guidance); KAMERSTROOM_WEBHOOK_TIMEOUT sets it."""
    monkeypatch.delenv("KAMERSTROOM_WEBHOOK_TIMEOUT", raising=False)
    assert 15.0 == load_settings().webhook_timeout
    monkeypatch.setenv("KAMERSTROOM_WEBHOOK_TIMEOUT", "5")
    assert 5.0 == load_settings().webhook_timeout


@pytest.mark.parametrize("value", ["365D", "1Y", "6M", "12h", "30m", "90s"])
def test_event_log_max_age_takes_rabbitmq_units(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """KAMERSTROOM_EVENT_LOG_MAX_AGE is a number and one of Y M D h m s, handed to the stream."""
    monkeypatch.setenv("KAMERSTROOM_EVENT_LOG_MAX_AGE", value)
    settings = load_settings()
    assert value == settings.event_log_max_age
    assert (value, None) == (Topology.of(settings).event_log_max_age,
                             Topology.of(settings).event_log_max_bytes)


@pytest.mark.parametrize("value", ["365", "D", "0D", "10 days", "1.5h", "-1D", "1d"])
def test_event_log_max_age_refuses_other_text_in_one_line(
        monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """A max age RabbitMQ would refuse at declaration is refused at start, naming the variable."""
    monkeypatch.setenv("KAMERSTROOM_EVENT_LOG_MAX_AGE", value)
    with pytest.raises(ConfigError, match=r"KAMERSTROOM_EVENT_LOG_MAX_AGE: expected a number and "
                                          r"one of Y, M, D, h, m, s") as caught:
        load_settings()
    assert "\n" not in str(caught.value)


def test_event_log_defaults_to_a_year_and_no_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset, the log keeps 365 days and has no byte limit; a byte limit must be positive."""
    for name in ("KAMERSTROOM_EVENT_LOG_MAX_AGE", "KAMERSTROOM_EVENT_LOG_MAX_BYTES"):
        monkeypatch.delenv(name, raising=False)
    assert ("365D", None) == (load_settings().event_log_max_age,
                              load_settings().event_log_max_bytes)
    monkeypatch.setenv("KAMERSTROOM_EVENT_LOG_MAX_BYTES", "20000000000")
    assert 20_000_000_000 == load_settings().event_log_max_bytes
    monkeypatch.setenv("KAMERSTROOM_EVENT_LOG_MAX_BYTES", "0")
    with pytest.raises(ConfigError, match="KAMERSTROOM_EVENT_LOG_MAX_BYTES"):
        load_settings()


def test_settings_as_environment_read_back_equal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child process started with ``as_environment()`` reads the very same settings: lists,
    dates, booleans, unset and secret values included."""
    original = Settings(sources=["tweedekamer"], webhook_urls=["http://127.0.0.1:9/a",
                                                               "http://127.0.0.1:9/b"],
                        webhook_allow_private=True, webhook_retry_schedule=[0, 0.5, 2],
                        start_date=date(2024, 2, 29), poll_interval=2.5, admin_token="s3cret",
                        data_dir=Path("/tmp/somewhere"), run_parser_process="on")
    for name in list(os.environ):
        if name.startswith("KAMERSTROOM_"):
            monkeypatch.delenv(name)
    for name, value in original.as_environment().items():
        monkeypatch.setenv(name, value)
    assert original == load_settings()


def test_child_environment_drops_inherited_settings_for_the_given_ones(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The parent's own KAMERSTROOM_* variables never override its settings in the child;
    other variables (PATH) are handed on; overrides win."""
    monkeypatch.setenv("KAMERSTROOM_NAMESPACE", "from-the-environment")
    monkeypatch.setenv("PATH", "/some/bin")
    env = child_environment(Settings(namespace="given"), http_port="0")
    assert "given" == env["KAMERSTROOM_NAMESPACE"]
    assert "/some/bin" == env["PATH"]
    assert "0" == env["KAMERSTROOM_HTTP_PORT"]


@pytest.mark.parametrize(("mode", "cores", "child"), [
    ("auto", 1, False), ("auto", 2, False), ("auto", 3, True), ("auto", 8, True),
    ("on", 1, True), ("off", 8, False),
])
def test_run_parser_process_follows_the_cores_only_in_auto(
        monkeypatch: pytest.MonkeyPatch, mode: str, cores: int, child: bool) -> None:
    """``auto`` starts a parser child when three or more cores are available to the process
    (on two the child's broker hop costs what the second core gives); ``on`` and ``off``
    decide regardless."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: set(range(cores)))
    monkeypatch.setenv("KAMERSTROOM_RUN_PARSER_PROCESS", mode)
    assert child is load_settings().parser_in_child()
