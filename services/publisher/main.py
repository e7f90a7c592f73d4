"""Wiring: build the publisher from settings and a broker."""

from __future__ import annotations

from services.publisher.service import PublisherService
from services.publisher.webhooks import WebhookSender
from shared.config import Settings
from shared.messaging import Broker


def build(settings: Settings, broker: Broker) -> PublisherService:
    """The publisher service, ready to ``start()``."""
    return PublisherService(
        broker, WebhookSender(settings.webhook_urls, timeout=settings.webhook_timeout),
        event_source=settings.event_source, prefetch=settings.prefetch,
    )
