"""Wiring: build the publisher from settings and a broker."""

from __future__ import annotations

import uuid
from datetime import timedelta

from services.publisher.admin.api import AdminAPI
from services.publisher.checkpoint import Checkpointer
from services.publisher.read.api import ReadAPI
from services.publisher.read.auth import ReadAccess
from services.publisher.read.store import ReadStore
from services.publisher.records import RecordStore
from services.publisher.service import PublisherService
from services.publisher.webhooks.delivery import Dispatcher, DispatchSettings
from services.publisher.webhooks.registry import EndpointRegistry
from services.publisher.webhooks.schedule import RetryPolicy
from services.publisher.webhooks.slots import open_slots
from shared.config import Settings
from shared.messaging import Broker

_STATIC_NAMESPACE = uuid.UUID("3f0c9b7e-1d2a-5c4b-8e6f-7a9d0b1c2e3f")


def build(settings: Settings, broker: Broker) -> PublisherService:
    """The publisher service, ready to ``mount()`` its routes and ``start()``."""
    records = RecordStore(settings.database, event_source=settings.event_source)
    registry = EndpointRegistry(settings.database)
    records.checkpoint_elsewhere()
    registry.checkpoint_elsewhere()
    register_static(registry, settings.webhook_urls)
    dispatcher = Dispatcher(broker, registry, DispatchSettings(
        policy=RetryPolicy(tuple(settings.webhook_retry_schedule)), timeout=settings.webhook_timeout,
        concurrency=settings.webhook_concurrency, allow_private=settings.webhook_allow_private,
        disable_after=timedelta(days=settings.webhook_disable_after_days),
        orphan_after=timedelta(seconds=settings.webhook_orphan_after),
    ), slots=open_slots(settings.database, settings.webhook_concurrency))
    admin = AdminAPI(settings.admin_token, registry, dispatcher, records.events_between,
                     allow_private=settings.webhook_allow_private) if settings.admin_token else None
    read = ReadAPI(ReadStore(settings.database), ReadAccess(settings.read_token, settings.read_public))
    return PublisherService(broker, records, registry, dispatcher, admin, prefetch=settings.prefetch,
                            checkpointer=None if settings.database_url else Checkpointer(settings.db_path),
                            read=read)


def register_static(registry: EndpointRegistry, urls: list[str]) -> None:
    """``KAMERSTROOM_WEBHOOK_URLS``: endpoints without a filter, created once, with stable ids."""
    for url in urls:
        endpoint_id = f"ep_static_{uuid.uuid5(_STATIC_NAMESPACE, url).hex[:16]}"
        if registry.get(endpoint_id) is None:
            registry.create(url, "from KAMERSTROOM_WEBHOOK_URLS", endpoint_id=endpoint_id)
