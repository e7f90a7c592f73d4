"""The raw baseline for backfill: page through SRU and fetch each document, nothing more.

``python -m bench.rawfetch AMQP_URL EXCHANGE SRU_URL`` prints ``ready``, waits for ``go``,
then, like the fetcher and just as politely (one request at a time to the host), reads
every SRU page, GETs each record's XML manifestation (and its metadata manifestation when
the XML only points at it, as the fetcher does) and publishes the body to
``EXCHANGE`` with a confirm, and prints ``done <count>``. No parsing beyond finding the
URLs, no envelope, no state: the HTTP and broker work a backfill cannot avoid.
"""

from __future__ import annotations

import asyncio
import sys

import aio_pika
import aiohttp
from lxml import etree

PAGE_SIZE = 100
EXTERN_METADATA = b"OVERHEIDop.externMetadataRecord"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


async def backfill(amqp_url: str, exchange_name: str, sru_url: str) -> int:
    """Fetch and publish every document; return how many."""
    count, start = 0, 1
    connection = await aio_pika.connect(amqp_url)
    async with connection, aiohttp.ClientSession() as session:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(exchange_name, ensure=True)
        while start:
            params = {"operation": "searchRetrieve", "version": "2.0", "startRecord": str(start),
                      "maximumRecords": str(PAGE_SIZE)}
            async with session.get(sru_url, params=params) as resp:
                root = etree.fromstring(await resp.read(), _PARSER)
            for record in root.iter("{*}record"):
                urls = {u.get("manifestation"): str(u.text) for u in record.iter("{*}itemUrl")}
                async with session.get(urls["xml"]) as doc:
                    body = await doc.read()
                if EXTERN_METADATA in body and "metadata" in urls:  # as the fetcher: only when needed
                    async with session.get(urls["metadata"]) as metadata:
                        await metadata.read()
                await exchange.publish(aio_pika.Message(
                    body=body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key="raw")
                count += 1
            following = root.findtext("{*}nextRecordPosition")
            start = int(following) if following else 0
    return count


async def main_async(amqp_url: str, exchange: str, sru_url: str) -> None:
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print("ready", flush=True)
    if (await reader.readline()).strip() == b"go":
        print(f"done {await backfill(amqp_url, exchange, sru_url)}", flush=True)


if __name__ == "__main__":
    asyncio.run(main_async(*sys.argv[1:4]))
