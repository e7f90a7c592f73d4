"""Settings, read once from ``KAMERSTROOM_*`` environment variables at the edge and passed in.

No other module reads ``os.environ`` (``child_environment`` hands it on to a child process).
Tests build ``Settings(...)`` directly.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from yarl import URL

from shared.db import is_postgres
from shared.errors import ConfigError
from shared.messaging.topology import DEFAULT_EVENT_LOG_MAX_AGE, MAX_AGE_PATTERN
from shared.webhook_urls import UnsafeURL, check_before_connect

SOURCE_NAMES = ("officielebekendmakingen", "tweedekamer")
# Sources upstream took away: naming one is a configuration error that says why.
RETIRED_SOURCES = {
    "rijksoverheid": "the rijksoverheid.nl open data API v1 answers 404 since 2 June 2026 and "
                     "no current format of its successors is supported (docs/feeds.md)",
}
DEFAULT_RETRY_SCHEDULE = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
# ``KAMERSTROOM_RUN_PARSER_PROCESS=auto`` starts a parser child from this many cores. On two,
# parent, child and broker share them: the child's extra broker hop (0.8 ms of kamerstroom's
# CPU per letter, about 0.6 ms of the broker's) eats what the second core gives, and the
# rate stays at or below what one process reaches; from three on, the parent is the bound,
# about 1.36 x one process (docs/performance.md).
AUTO_CHILD_MIN_CORES = 3


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Every setting of every service. The README's configuration table lists them."""

    model_config = SettingsConfigDict(env_prefix="KAMERSTROOM_", extra="ignore")

    # Broker and deployment
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    namespace: str = Field(default="kamerstroom", pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")
    prefetch: int = Field(default=32, ge=1, le=10_000)
    data_dir: Path = Path("./data")
    database_url: str | None = Field(default=None, description=(
        "postgresql://user:password@host:port/dbname: keep every store in PostgreSQL (needed "
        "for more than one publisher or fetcher). Unset: SQLite in KAMERSTROOM_DATA_DIR."))
    http_host: str = "0.0.0.0"
    http_port: int = Field(default=8080, ge=0, le=65535)
    shutdown_timeout: float = Field(default=30.0, gt=0)
    broker_connect_timeout: float = Field(default=60.0, gt=0, description=(
        "Seconds a service waits at start for an unreachable broker before it exits with "
        "status 2; once running it reconnects forever."))
    event_log_max_age: str = Field(default=DEFAULT_EVENT_LOG_MAX_AGE, description=(
        "How long the event log <ns>.events.log keeps an event (RabbitMQ x-max-age: a "
        "number and one of Y, M, D, h, m, s)."))
    event_log_max_bytes: int | None = Field(default=None, gt=0, description=(
        "Largest size of the event log in bytes (x-max-length-bytes); unset: no size limit."))
    run_parser_process: Literal["auto", "on", "off"] = Field(default="auto", description=(
        "`kamerstroom run`: `on` runs the parser in a supervised child process (its own "
        "core), `off` everything in one process, `auto` a child when three or more cores "
        "are available to the process."))

    # Logging
    log_format: Literal["json", "console"] = "json"
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    # Fetcher
    sources: Annotated[list[str], NoDecode] = Field(default_factory=lambda: list(SOURCE_NAMES))
    poll_interval: float | None = Field(default=None, gt=0, description=(
        "Seconds between polls of every source. Unset: each source's own default (15 s for "
        "the Tweede Kamer SyncFeed, the freshest feed; 60 s for the KOOP SRU)."))
    ob_sru_url: str = "https://repository.overheid.nl/sru"
    tk_api_url: str = "https://gegevensmagazijn.tweedekamer.nl"
    tk_syncfeed_version: str = Field(default="2.0", pattern=r"^[0-9]+(\.[0-9]+)*$", description=(
        "The Tweede Kamer SyncFeed API version in its path (/SyncFeed/<version>/Feed)."))
    max_document_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    request_interval: float = Field(default=1.0, ge=0, description="Seconds between requests to one host.")
    request_timeout: float = Field(default=30.0, gt=0)
    start_date: date | None = Field(default=None, description=(
        "Live polling announces nothing modified before this day (ISO date). Unset: the day "
        "of each source's first run, stored so a restart does not move it. Set, it wins over "
        "the stored day only when it is later (an earlier day is ignored with a warning: "
        "history is for `kamerstroom backfill`); the later day is then stored."))

    # Publisher
    webhook_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    webhook_allow_private: bool = False
    webhook_retry_schedule: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [float(s) for s in DEFAULT_RETRY_SCHEDULE]
    )
    # Standard Webhooks: "a timeout of 15 seconds or less is recommended" for an attempt.
    webhook_timeout: float = Field(default=15.0, gt=0)
    webhook_concurrency: int = Field(default=4, ge=1)
    webhook_disable_after_days: float = Field(default=5.0, gt=0)
    webhook_orphan_after: float = Field(default=60.0, gt=0, description=(
        "Publisher replicas on PostgreSQL: seconds after which a first webhook attempt that "
        "was written but never queued counts as left by a replica that died, and another "
        "replica queues it (it sweeps every quarter of this). Longer than the webhook "
        "timeout, or a slow attempt may be sent twice (same webhook-id)."))
    admin_token: str | None = None
    read_token: str | None = Field(default=None, description=(
        "Bearer token of the read API and the Atom feeds (/v1/kamerbrieven, /feeds). Unset "
        "and read_public false: every read answers 401."))
    read_public: bool = Field(default=False, description="Reads need no token at all.")
    event_source: str = "https://kamerstroom.nl"

    @field_validator("sources", "webhook_urls", mode="before")
    @classmethod
    def _csv(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("webhook_retry_schedule", mode="before")
    @classmethod
    def _schedule(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _schedule_values(cls, value: list[float]) -> list[float]:
        if not value or any(s < 0 for s in value):
            raise ValueError("expected one or more delays in seconds, none negative, e.g. 0,5,300")
        return value

    @field_validator("event_log_max_age")
    @classmethod
    def _max_age(cls, value: str) -> str:
        if not MAX_AGE_PATTERN.match(value):
            raise ValueError(f"expected a number and one of Y, M, D, h, m, s (RabbitMQ's "
                             f"x-max-age), e.g. 365D or 12h; got {value!r}")
        return value

    @field_validator("sources")
    @classmethod
    def _known_sources(cls, value: list[str]) -> list[str]:
        retired = [f"{name!r} is retired: {RETIRED_SOURCES[name]}" for name in value
                   if name in RETIRED_SOURCES]
        if retired:
            raise ValueError("; ".join(retired) + f"; known: {', '.join(SOURCE_NAMES)}")
        unknown = sorted(set(value) - set(SOURCE_NAMES))
        if unknown:
            raise ValueError(f"unknown source(s) {unknown}; known: {', '.join(SOURCE_NAMES)}")
        return value

    @field_validator("amqp_url")
    @classmethod
    def _amqp(cls, value: str) -> str:
        url = _absolute_url(value, ("amqp", "amqps"), "expected amqp://user:password@host:port/vhost")
        try:
            url.port  # noqa: B018  # yarl raises on a non-numeric port only when asked
        except ValueError as exc:
            raise ValueError(f"bad port: {exc}") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not is_postgres(value):
            raise ValueError("expected a postgresql:// URL (unset: SQLite in KAMERSTROOM_DATA_DIR)")
        return value

    @field_validator("ob_sru_url", "tk_api_url")
    @classmethod
    def _feed_url(cls, value: str) -> str:
        _absolute_url(value, ("http", "https"), f"expected an absolute http(s) URL, got {value!r}")
        return value

    @model_validator(mode="after")
    def _webhook_urls_are_safe(self) -> Settings:
        # The admin API's own rules (shared.webhook_urls): a bad static URL is refused at
        # start rather than registered as an endpoint that can never be delivered to.
        for url in self.webhook_urls:
            try:
                check_before_connect(url, allow_private=self.webhook_allow_private)
            except UnsafeURL as exc:
                raise ValueError(f"KAMERSTROOM_WEBHOOK_URLS: {url!r}: {exc}") from None
        return self

    def check_data_dir(self) -> None:
        """Raise ``ConfigError`` (one line) unless the data folder exists, or can be made, and
        is writable: called at start by every command that keeps state. With a database URL
        the state is in PostgreSQL and the folder is not needed."""
        if self.database_url is not None:
            return
        folder = self.data_dir
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / ".kamerstroom-write-test"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(f"bad configuration: KAMERSTROOM_DATA_DIR {str(folder)!r} is not a "
                              f"writable folder ({exc.strerror or exc})") from None

    def parser_in_child(self) -> bool:
        """Whether a process running the parser beside other services runs it in a child
        process: ``on``, or ``auto`` with ``AUTO_CHILD_MIN_CORES`` or more cores available
        to this process (its affinity: a cpuset counts, a CPU quota does not)."""
        if self.run_parser_process == "auto":
            return len(os.sched_getaffinity(0)) >= AUTO_CHILD_MIN_CORES
        return self.run_parser_process == "on"

    def as_environment(self) -> dict[str, str]:
        """These settings as the ``KAMERSTROOM_*`` variables that ``Settings()`` reads back
        to equal settings (lists comma-joined; unset values left out): how a child process
        is started with its parent's settings."""
        env = {}
        for name, value in self.model_dump(mode="json").items():
            if value is None:
                continue
            if isinstance(value, list):
                text = ",".join(str(item) for item in value)
            elif isinstance(value, bool):
                text = "true" if value else "false"
            else:
                text = str(value)
            env[f"KAMERSTROOM_{name.upper()}"] = text
        return env

    @property
    def db_path(self) -> Path:
        """The SQLite file that holds this deployment's state when no database URL is set."""
        return self.data_dir / "kamerstroom.sqlite3"

    @property
    def database(self) -> Path | str:
        """Where the stores keep their state: the PostgreSQL URL, else the SQLite file."""
        return self.database_url or self.db_path


def child_environment(settings: Settings, **overrides: str) -> dict[str, str]:
    """The environment of a child process started with ``settings``: this process's own
    variables except every ``KAMERSTROOM_*`` one, then ``settings`` as variables, then
    ``overrides`` (names without the prefix, e.g. ``http_port="0"``)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("KAMERSTROOM_")}
    env.update(settings.as_environment())
    env.update({f"KAMERSTROOM_{name.upper()}": value for name, value in overrides.items()})
    return env


def _absolute_url(value: str, schemes: tuple[str, ...], expected: str) -> URL:
    """``value`` parsed, with one of ``schemes`` and a host; else ``ValueError(expected)``."""
    try:
        url = URL(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a URL: {exc}") from None
    if url.scheme not in schemes or not url.host:
        raise ValueError(expected)
    return url


def _problem(location: tuple[int | str, ...], message: str) -> str:
    """One setting's problem: its variable's name (when it is about one) and the reason."""
    message = message.removeprefix("Value error, ")
    name = "_".join(str(part) for part in location if str(part)).upper()
    return f"KAMERSTROOM_{name}: {message}" if name else message


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; raise ``ConfigError`` with one readable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(_problem(err["loc"], str(err["msg"])) for err in exc.errors())
        raise ConfigError(f"bad configuration: {problems}") from None
