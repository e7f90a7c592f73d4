"""Wiring: build the parser from settings and a broker."""

from __future__ import annotations

from services.parser.service import ParserService
from shared.config import Settings
from shared.messaging import Broker


def build(settings: Settings, broker: Broker) -> ParserService:
    """The parser service, ready to ``start()``."""
    return ParserService(broker, prefetch=settings.prefetch)
