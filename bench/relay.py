"""The raw baseline for the pipeline: an aio-pika relay through the same three queues.

``python -m bench.relay AMQP_URL NAMESPACE PREFETCH`` consumes ``<ns>.parser`` and
``<ns>.publisher`` (declared beforehand, exactly as the services declare them) and, for
each message, publishes the same body to the next exchange with a confirm, then acks:
the broker work of the pipeline with none of its parsing, validation or logging. Prints
``ready`` once both consumers run; stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractIncomingMessage

from shared.messaging import Topology


async def relay(amqp_url: str, namespace: str, prefetch: int) -> None:
    """Run both hops until SIGTERM or SIGINT."""
    topology = Topology(namespace)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        publish_channel = await connection.channel(publisher_confirms=True)
        for queue, exchange in ((topology.parser_queue, topology.normalised),
                                (topology.publisher_queue, topology.events)):
            target = await publish_channel.get_exchange(exchange, ensure=True)
            channel = await connection.channel(publisher_confirms=False)
            await channel.set_qos(prefetch_count=prefetch)
            source = await channel.get_queue(queue, ensure=True)
            await source.consume(_hop(target), no_ack=False)
        print("ready", flush=True)
        await stop.wait()


def _hop(target: AbstractExchange) -> Callable[[AbstractIncomingMessage], Awaitable[None]]:
    async def forward(message: AbstractIncomingMessage) -> None:
        await target.publish(aio_pika.Message(
            body=message.body, content_type=message.content_type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id=message.message_id,
            headers=dict(message.headers or {}),
        ), routing_key=message.routing_key or "")
        await message.ack()

    return forward


def main() -> None:
    url, namespace, prefetch = sys.argv[1], sys.argv[2], int(sys.argv[3])
    asyncio.run(relay(url, namespace, prefetch))


if __name__ == "__main__":
    main()
