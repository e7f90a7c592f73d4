"""Every Prometheus metric kamerstroom exports, defined once (names are a contract).

All live in prometheus-client's default registry, so one ``/metrics`` serves every service
running in the process (``kamerstroom run`` runs all three). Naming follows Prometheus:
``kamerstroom_`` prefix, counters end in ``_total``, durations in ``_seconds``, times are
Unix timestamps in ``_timestamp_seconds``.

Labels are small closed sets (source, format, outcome, event type, queue): never a record
id, URL or anything else unbounded.

    fetcher    POLLS, POLL_ERRORS, LAST_SUCCESSFUL_POLL, DOCUMENTS_FETCHED, FEED_DRIFT
    parser     PARSE_RESULTS
    publisher  EVENTS, DELIVERIES, DELIVERY_ATTEMPT_SECONDS, RETRY_QUEUE_DEPTH, LETTER_AGE_SECONDS,
               LETTER_LAG_SECONDS
    broker     BROKER_PUBLISHES, BROKER_CONSUMED, HANDLER_SECONDS, DEAD_LETTERS,
               QUEUE_MESSAGES, BROKER_CONNECTED, BROKER_RECONNECTS
    process    HTTP_REQUESTS, SHUTTING_DOWN, PARSER_PROCESS_RESTARTS

``kamerstroom run`` with the parser in a child process serves the child's samples on the
same ``/metrics``, labelled ``process="parser"`` (``shared.exposition``).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from prometheus_client import Counter, Gauge, Histogram

# Latency buckets from 5 ms to 1 min: broker round trips, parses and webhook calls.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# Age of a letter from fetch to publish: seconds when healthy, hours during an outage.
_AGE_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 6 * 3600.0, 24 * 3600.0)

# --- fetcher -------------------------------------------------------------------------------
POLLS = Counter("kamerstroom_polls_total", "Polls of a source, by outcome (ok, error).",
                ["source", "outcome"])
POLL_ERRORS = Counter("kamerstroom_poll_errors_total",
                      "Failed polls of a source, by kind (http-5xx, http-429, timeout, garbage, ...).",
                      ["source", "kind"])
LAST_SUCCESSFUL_POLL = Gauge("kamerstroom_last_successful_poll_timestamp_seconds",
                             "When the last poll of a source succeeded (Unix time).", ["source"])
DOCUMENTS_FETCHED = Counter("kamerstroom_documents_fetched_total",
                            "New or changed documents queued to <ns>.raw.", ["source"])
FEED_DRIFT = Counter("kamerstroom_feed_drift_total",
                     "Responses or records that deviate from the contract a source was built for, "
                     "by kind (a closed set of codes per source).", ["source", "kind"])

# --- parser --------------------------------------------------------------------------------
PARSE_RESULTS = Counter("kamerstroom_parse_results_total",
                        "Parsed documents by input format and outcome (ok, warning, unprocessable).",
                        ["format", "outcome"])

# --- publisher -----------------------------------------------------------------------------
EVENTS = Counter("kamerstroom_events_total",
                 "CloudEvents published to <ns>.events, by type (published, updated, withdrawn).",
                 ["type"])
DELIVERIES = Counter("kamerstroom_deliveries_total",
                     "Webhook delivery attempts by outcome (delivered, retry, failed, skipped).",
                     ["outcome"])
DELIVERY_ATTEMPT_SECONDS = Histogram("kamerstroom_delivery_attempt_seconds",
                                     "Duration of one webhook delivery attempt.", ["outcome"],
                                     buckets=_LATENCY_BUCKETS)
RETRY_QUEUE_DEPTH = Gauge("kamerstroom_retry_queue_depth",
                          "Webhook deliveries waiting for their next attempt.")
ENDPOINTS_DISABLED = Counter("kamerstroom_webhook_endpoints_disabled_total",
                             "Webhook endpoints disabled automatically, by reason (gone, failing).",
                             ["reason"])
LETTER_AGE_SECONDS = Histogram("kamerstroom_letter_age_seconds",
                               "Time from a letter's fetch to the publish of its event.",
                               buckets=_AGE_BUCKETS)
LETTER_LAG_SECONDS = Histogram("kamerstroom_letter_lag_seconds",
                               "Time from the upstream's own change timestamp of a letter to the "
                               "publish of its event, by the feed that brought it.", ["source"],
                               buckets=_AGE_BUCKETS)

# --- broker (shared/messaging) -------------------------------------------------------------
BROKER_PUBLISHES = Counter("kamerstroom_broker_publishes_total",
                           "Publishes to an exchange by outcome (confirmed, failed).",
                           ["exchange", "outcome"])
BROKER_CONSUMED = Counter("kamerstroom_broker_consumed_total",
                          "Deliveries handled per queue by outcome (ack, requeue, dead-letter).",
                          ["queue", "outcome"])
HANDLER_SECONDS = Histogram("kamerstroom_handler_seconds",
                            "Time a consumer's handler took for one delivery.", ["queue"],
                            buckets=_LATENCY_BUCKETS)
DEAD_LETTERS = Counter("kamerstroom_dead_letters_total",
                       "Messages sent to the dead-letter exchange, by origin queue and reason.",
                       ["queue", "reason"])
QUEUE_MESSAGES = Gauge("kamerstroom_queue_messages",
                       "Messages ready in a queue of the topology (sampled; <ns>.dead is the "
                       "dead-letter count).", ["queue"])
BROKER_CONNECTED = Gauge("kamerstroom_broker_connected",
                         "1 while the connection to the broker is up, else 0.")
BROKER_RECONNECTS = Counter("kamerstroom_broker_reconnects_total",
                            "Times the connection to the broker was re-established.")

# --- process -------------------------------------------------------------------------------
HTTP_REQUESTS = Counter("kamerstroom_http_requests_total",
                        "Requests to the health/metrics/admin server by route and status.",
                        ["route", "status"])
SHUTTING_DOWN = Gauge("kamerstroom_shutting_down", "1 once graceful shutdown has begun.")
PARSER_PROCESS_RESTARTS = Counter("kamerstroom_parser_process_restarts_total",
                                  "Times `kamerstroom run` started its parser child process "
                                  "again after it exited unasked.")


def observe_letter_age(fetched_at: datetime | None, now: datetime | None = None) -> None:
    """Record the fetch-to-publish age of a letter (no-op when the fetch time is unknown)."""
    if fetched_at is None:
        return
    if fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=UTC)
    age = ((now or datetime.now(UTC)) - fetched_at).total_seconds()
    LETTER_AGE_SECONDS.observe(max(0.0, age))


def observe_letter_lag(source: str, upstream_time: datetime | None,
                       now: datetime | None = None) -> None:
    """Record upstream-change-to-publish lag of a letter brought by ``source`` (no-op when the
    feed gave no time; a naive time is read as UTC)."""
    if upstream_time is None:
        return
    if upstream_time.tzinfo is None:
        upstream_time = upstream_time.replace(tzinfo=UTC)
    lag = ((now or datetime.now(UTC)) - upstream_time).total_seconds()
    LETTER_LAG_SECONDS.labels(source=source).observe(max(0.0, lag))


def register_source(source: str) -> None:
    """Create ``source``'s poll series at start, before its first poll.

    A series that does not exist yet matches nothing in an alert: a source that failed on
    every poll since the fetcher started had no ``outcome="ok"`` series and no timestamp,
    so the staleness and failure alerts stayed silent. The timestamp starts at 0 ("never").
    """
    for outcome in ("ok", "error"):
        POLLS.labels(source=source, outcome=outcome)
    LAST_SUCCESSFUL_POLL.labels(source=source)


def mark_poll(source: str, *, ok: bool, kind: str | None = None) -> None:
    """Count one poll of ``source``; a success also sets its last-successful-poll time."""
    POLLS.labels(source=source, outcome="ok" if ok else "error").inc()
    if ok:
        LAST_SUCCESSFUL_POLL.labels(source=source).set_to_current_time()
    else:
        POLL_ERRORS.labels(source=source, kind=kind or "other").inc()


def observe_delivery(outcome: str, seconds: float) -> None:
    """Count one webhook delivery attempt and its duration under ``outcome``."""
    counter, histogram = _delivery_series(outcome)
    counter.inc()
    histogram.observe(seconds)


@functools.lru_cache(maxsize=16)
def _delivery_series(outcome: str) -> tuple[Counter, Histogram]:
    # labels() looks the child up under a lock on every call: thousands of times a second
    # here, for three possible outcomes.
    return DELIVERIES.labels(outcome=outcome), DELIVERY_ATTEMPT_SECONDS.labels(outcome=outcome)
