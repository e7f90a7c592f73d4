"""Webhook endpoints, deliveries and attempts as values, and how the admin API renders them.

These hold no I/O: ``registry`` stores them, ``policy`` decides on them, ``delivery``
makes the attempts. Times are aware ``datetime``s; on the wire and in storage they are
ISO 8601 in UTC (``iso``, ``parse_iso``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from services.publisher.webhooks.filters import EndpointFilter

DeliveryStatus = Literal["pending", "succeeded", "failed"]


def iso(when: datetime | None) -> str | None:
    """``when`` as ISO 8601 in UTC; ``None`` stays ``None``."""
    return when.astimezone(UTC).isoformat() if when else None


def parse_iso(text: str | None) -> datetime | None:
    """The inverse of ``iso``: empty or ``None`` is ``None``."""
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Endpoint:
    """A registered webhook endpoint."""

    id: str
    url: str
    description: str
    filter: EndpointFilter
    secret: str
    previous_secret: str | None
    previous_secret_until: datetime | None
    disabled: bool
    disabled_reason: str | None
    created_at: datetime
    last_success_at: datetime | None
    failing_since: datetime | None

    def signing_secrets(self, now: datetime) -> list[str]:
        """The current secret, plus the previous one while its overlap lasts at ``now``."""
        if self.previous_secret and self.previous_secret_until and now < self.previous_secret_until:
            return [self.secret, self.previous_secret]
        return [self.secret]

    def public(self) -> dict[str, Any]:
        """The endpoint as the admin API shows it (without secrets)."""
        return {
            "id": self.id, "url": self.url, "description": self.description,
            "filter": self.filter.model_dump(), "disabled": self.disabled,
            "disabled_reason": self.disabled_reason, "created_at": iso(self.created_at),
            "last_success_at": iso(self.last_success_at), "failing_since": iso(self.failing_since),
        }


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt of a delivery."""

    attempt: int
    at: datetime
    status_code: int | None
    latency_ms: float
    response: str
    error: str | None

    def public(self) -> dict[str, Any]:
        """The attempt as the admin API shows it in a delivery's ``attempt_log``."""
        return {"attempt": self.attempt, "at": iso(self.at), "status_code": self.status_code,
                "latency_ms": round(self.latency_ms, 1), "response": self.response, "error": self.error}


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: the attempt, the answer's ``Retry-After`` seconds, and
    whether the URL was refused (SSRF guard) before anything was sent."""

    attempt: Attempt
    retry_after: float | None = None
    refused: bool = False

    @property
    def succeeded(self) -> bool:
        """Any 2xx answer."""
        status = self.attempt.status_code
        return status is not None and 200 <= status < 300


@dataclass(frozen=True)
class DeliveryRow:
    """One event for one endpoint."""

    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    event_json: str
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    updated_at: datetime

    def public(self, attempts: list[Attempt] | None = None) -> dict[str, Any]:
        """The delivery as the admin API lists it, with its attempt log if given."""
        out: dict[str, Any] = {
            "id": self.id, "endpoint_id": self.endpoint_id, "event_id": self.event_id,
            "event_type": self.event_type, "status": self.status, "attempts": self.attempts,
            "created_at": iso(self.created_at), "updated_at": iso(self.updated_at),
        }
        if attempts is not None:
            out["attempt_log"] = [a.public() for a in attempts]
        return out
