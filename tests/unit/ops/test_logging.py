"""Log lines never carry secrets: by key, or inside text."""

from __future__ import annotations

from shared.logging import _redact, scrub


def test_credentials_in_urls_are_scrubbed() -> None:
    """The user and password of a URL are replaced, the host stays for debugging."""
    assert "broker amqp://[redacted]@rabbit:5672/ is down" == scrub(
        "broker amqp://kamerstroom:s3cret@rabbit:5672/ is down")


def test_tokens_and_webhook_secrets_are_scrubbed() -> None:
    """Bearer tokens and whsec_ secrets are replaced wherever they appear."""
    assert "Authorization: Bearer [redacted] and whsec_[redacted]" == scrub(
        "Authorization: Bearer abc.DEF-123_x and whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")


def test_scrubbing_ignores_case() -> None:
    """Header schemes in any case are caught (the quick pre-check must not miss them)."""
    assert "BASIC [redacted] / bearer [redacted]" == scrub("BASIC dXNlcjpwYXNz / bearer T0K3N")


def test_plain_text_is_left_alone() -> None:
    """Ordinary URLs and text pass unchanged."""
    text = "GET https://repository.overheid.nl/sru?query=x answered 503"
    assert text == scrub(text)


def test_secret_keys_are_redacted_and_other_values_scrubbed() -> None:
    """A key naming a secret loses its value; other string values are scrubbed."""
    event = {"event": "x", "admin_token": "t0k3n", "error": "amqp://u:p@h/ refused", "n": 3}
    assert {"event": "x", "admin_token": "[redacted]", "error": "amqp://[redacted]@h/ refused",
            "n": 3} == dict(_redact(None, "info", event))


def test_library_log_records_are_scrubbed() -> None:
    """A stdlib record quoting a URL with a password loses the password."""
    import logging

    from shared.logging import ScrubFilter

    record = logging.LogRecord("aio_pika", logging.WARNING, __file__, 1,
                               "cannot connect to %s", ("amqp://u:hunter2@rabbit/",), None)
    ScrubFilter().filter(record)
    assert "cannot connect to amqp://[redacted]@rabbit/" == record.getMessage()


def test_one_secret_among_many_values_is_found_and_only_it_changes() -> None:
    """The line is searched once as a whole; a hit scrubs each value on its own."""
    event = {"event": "delivery failed", "endpoint": "ep_1", "status": "refused",
             "error": "POST https://u:hunter2@hooks.example/x failed", "note": "Bearer",
             "next": "abc", "attempt": 2}
    assert {"event": "delivery failed", "endpoint": "ep_1", "status": "refused",
            "error": "POST https://[redacted]@hooks.example/x failed", "note": "Bearer",
            "next": "abc", "attempt": 2} == dict(_redact(None, "info", event))
