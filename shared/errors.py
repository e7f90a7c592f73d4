"""Exceptions that tell the caller what to do (a leaf module, to avoid import loops).

    KamerstroomError
    ├── ConfigError        bad settings: print one line, exit non-zero
    ├── RetryLater         transient: nack and retry later (broker down, upstream 5xx)
    └── Unprocessable      permanent for this message: dead-letter it with the reason
"""


class KamerstroomError(Exception):
    """Base of every error kamerstroom raises on purpose."""


class ConfigError(KamerstroomError):
    """The configuration cannot work; the message is one line for a person."""


class RetryLater(KamerstroomError):
    """A transient failure: the same work may succeed later."""


class Unprocessable(KamerstroomError):
    """This input can never be processed; it belongs in the dead-letter queue.

    ``reason`` is short and machine-friendly (``malformed-xml``); ``str(exc)`` explains.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
