"""The publisher: one event per record version, to queue subscribers and webhooks."""

from services.publisher.main import build

__all__ = ["build"]
