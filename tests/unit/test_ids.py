"""``uuid5_text`` is ``str(uuid.uuid5(...))``, so ids stored before it stay the same."""

from __future__ import annotations

import random
import uuid

from services.publisher.events import EVENT_ID_NAMESPACE
from shared.ids import uuid5_text


def test_same_text_as_uuid5_for_any_name() -> None:
    """ASCII, accented, empty, long and random names, under two namespaces."""
    rng = random.Random(7)
    names = ["", "ep_1:event-1", "kst-36123-45:één:✓", "x" * 5_000,
             *(f"ep_{rng.getrandbits(128):x}:{uuid.UUID(int=rng.getrandbits(128))}" for _ in range(500))]
    for namespace in (EVENT_ID_NAMESPACE, uuid.NAMESPACE_URL):
        assert [str(uuid.uuid5(namespace, n)) for n in names] == [uuid5_text(namespace, n) for n in names]
