"""structlog configuration: JSON lines by default, ``console`` for people. Called once from main."""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

# Keys whose values must never reach a log line (tokens, secrets, credentials).
_SECRET_KEYS = ("token", "secret", "password", "authorization", "amqp_url")
# Secrets inside text (an error message quoting a URL or a header): the credentials of a
# URL (``amqp://user:pass@host``), bearer tokens and Standard Webhooks secrets (``whsec_``).
_SECRET_TEXT = (
    (re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", re.I), r"\g<scheme>[redacted]@"),
    (re.compile(r"(?P<kind>bearer|basic)\s+[A-Za-z0-9._~+/=-]+", re.I), r"\g<kind> [redacted]"),
    (re.compile(r"whsec_[A-Za-z0-9+/=]+"), "whsec_[redacted]"),
)


# Every pattern above needs one of these; one search for them spares the three
# substitutions on the strings of almost every log line (they were most of its cost).
_SUSPECT = re.compile(r"@|bearer|basic|whsec_", re.I)


def scrub(text: str) -> str:
    """``text`` with credentials in URLs, bearer tokens and webhook secrets replaced."""
    if not _SUSPECT.search(text):
        return text
    for pattern, replacement in _SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


@functools.lru_cache(maxsize=4096)
def _secret_key(key: str) -> bool:
    """Whether values under ``key`` are never logged (log keys are few: cached)."""
    return any(marker in key.lower() for marker in _SECRET_KEYS)


def _redact(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    texts = []
    for key, value in event_dict.items():
        if _secret_key(key):
            event_dict[key] = "[redacted]"
        elif isinstance(value, str):
            texts.append(value)
    # One search over all the line's strings: almost every line has nothing to scrub, and
    # a search per value was a third of a log line's cost.
    if texts and _SUSPECT.search("\n".join(texts)):
        for key, value in event_dict.items():
            if isinstance(value, str) and value != "[redacted]":
                event_dict[key] = scrub(value)
    return event_dict


def configure_logging(fmt: str = "json", level: str = "info",
                      fields: Mapping[str, object] | None = None) -> None:
    """Route structlog and stdlib logging to stderr as JSON lines or coloured console text.

    ``fields`` go on every line: ``kamerstroom run`` with the parser in a child process
    marks each process's lines (``process``: ``run`` or ``parser``), since both write to
    the same stderr.

    Libraries (aio-pika, aiormq, aiohttp) log through stdlib: their records go through the
    same renderer, so with ``json`` every line on stderr is JSON, theirs included. Their
    warnings are kept and their chatter (info, debug) dropped.
    """
    renderer: structlog.types.Processor = (
        structlog.dev.ConsoleRenderer() if fmt == "console" else structlog.processors.JSONRenderer()
    )
    shared: list[structlog.types.Processor] = [
        *([_add_fields(dict(fields))] if fields else []),
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,  # before _redact: tracebacks quote URLs too
        _redact,
    ]
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        # WriteLogger writes the line with one ``write`` (PrintLogger goes through ``print``).
        logger_factory=structlog.WriteLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    ))
    handler.addFilter(ScrubFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.WARNING)


def _add_fields(fields: dict[str, object]) -> structlog.types.Processor:
    def add(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key, value in fields.items():
            event_dict.setdefault(key, value)
        return event_dict
    return add


class ScrubFilter(logging.Filter):
    """Scrubs secrets from stdlib log records (libraries quote URLs in their messages)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        return True
