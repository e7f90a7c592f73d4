"""Messaging: topology names, the broker interface, and its RabbitMQ and in-memory backends.

Every hop is at-least-once: messages are persistent and published with the broker's
confirm; a consumer acks only after its handler (which publishes the next hop and waits
for that confirm) has returned. Consumers are idempotent, so redeliveries are harmless.
"""

from shared.messaging.broker import Broker, Consumer, Delivery, Handler, OutgoingMessage
from shared.messaging.topology import Topology

__all__ = ["Broker", "Consumer", "Delivery", "Handler", "OutgoingMessage", "Topology"]
