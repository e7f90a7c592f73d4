"""Exceptions that tell the caller what to do (a leaf module, to avoid import loops).

    KamerstroomError
    ├── ConfigError        bad settings: print one line, exit non-zero
    ├── RetryLater         transient: nack and retry later (broker down, upstream 5xx)
    │   ├── FeedDrift      a feed answered outside the contract its source was built for
    │   └── ShuttingDown   the process stopped taking work: requeue, quietly
    └── Unprocessable      permanent for this message: dead-letter it with the reason
"""


class KamerstroomError(Exception):
    """Base of every error kamerstroom raises on purpose."""


class ConfigError(KamerstroomError):
    """The configuration cannot work; the message is one line for a person."""


class RetryLater(KamerstroomError):
    """A transient failure: the same work may succeed later."""


class FeedDrift(RetryLater):
    """A feed response that deviates from the contract its source was built for.

    Raised where the deviation spoils a whole response (a documented endpoint answering 404
    or 410, a page in an unknown namespace, a diagnostic): the poll fails, the checkpoint
    stays where it is, and the fetcher counts it as drift of ``kind`` and backs off. Never
    read as "nothing new". ``url`` is where it was seen.
    """

    def __init__(self, kind: str, detail: str, url: str | None = None) -> None:
        super().__init__(f"feed drift {kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.url = url


class ShuttingDown(RetryLater):
    """The process stopped taking work: hand this message back to the broker untouched.

    Raised by a handler that was given a message after the first SIGTERM; the broker
    wrapper nacks it with requeue at once (no warning, no delay), so another consumer or the
    next process takes it.
    """


class Unprocessable(KamerstroomError):
    """This input can never be processed; it belongs in the dead-letter queue.

    ``reason`` is short and machine-friendly (``malformed-xml``); ``str(exc)`` explains.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
