"""Three letters fed through the publisher on the real broker, then read back.

``kst-36124-3`` (Defensie, dossier 36124) comes as the kst record (version 1, no ministry)
and then from the Tweede Kamer (version 2: ministry, subject, PDF); ``kst-31839-9``
(Financiën, dossier 31839) cites dossier 36124 and speaks of "financiële"; ``kst-24515-1``
(an Eerste Kamer letter of Defensie) has no official URL at all.
"""

from __future__ import annotations

import asyncio
from typing import Any

from shared.schema.record import Citation, Dossier, Ministry, SourceRef, Urls
from tests.integration.publisher.conftest import Publisher
from tests.unit.publisher.letters import DEFENSIE, document, kst, tweedekamer

FINANCIEN = Ministry(name="Ministerie van Financiën", code="fin")
CITING, SENATE, MAIN = "kst-31839-9", "kst-24515-1", "kst-36124-3"


def citing_letter() -> Any:
    return kst(id=CITING, dossier=Dossier(number="31839"), ondernummer="9", ministry=FINANCIEN,
               title="Brief over de financiële verantwoording", subject="Verantwoording 2026",
               body_text="De financiële gevolgen staan in Kamerstuk 36 124, nr. 3.",
               cites=[Citation(dossier="36124", ondernummer="3")],
               urls=Urls(pdf="https://example.org/kst-31839-9.pdf",
                         html="https://example.org/kst-31839-9.html"),
               sources=[SourceRef(feed="officielebekendmakingen", upstream_id=CITING)])


def senate_letter() -> Any:
    return kst(id=SENATE, dossier=Dossier(number="24515"), ondernummer="1", ministry=DEFENSIE,
               chamber="ek", title="Brief aan de Eerste Kamer <over> \"materieel\" & meer",
               urls=Urls(), sources=[SourceRef(feed="officielebekendmakingen", upstream_id=SENATE)])


async def feed_letters(publisher: Publisher, timeout: float = 20.0) -> None:
    """Feed the letters in order; return once the read API shows all three, the main one at v2."""
    for record in (kst(), citing_letter(), senate_letter(), tweedekamer()):
        await publisher.feed(document(record))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        status, body = await publisher.read_json("/v1/kamerbrieven")
        if status == 200 and [MAIN, SENATE, CITING] == [row["id"] for row in body["data"]] \
                and body["data"][0]["version"] == 2:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the read API did not show the letters within {timeout}s")
