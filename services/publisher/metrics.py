"""The publisher's Prometheus counters."""

from __future__ import annotations

from prometheus_client import Counter

EVENTS = Counter("kamerstroom_publisher_events_total", "Events published, by kind", ["kind"])
WEBHOOK_ATTEMPTS = Counter("kamerstroom_webhook_attempts_total", "Webhook HTTP attempts, by outcome",
                           ["outcome"])
WEBHOOK_FAILED = Counter("kamerstroom_webhook_deliveries_failed_total",
                         "Webhook deliveries given up after the last attempt")
ENDPOINTS_DISABLED = Counter("kamerstroom_webhook_endpoints_disabled_total",
                             "Webhook endpoints disabled automatically, by reason", ["reason"])
