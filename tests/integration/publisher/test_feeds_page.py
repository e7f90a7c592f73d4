"""``GET /feeds`` in a real browser: headless Chromium loads the page from a running publisher
(reads public, as a browser sends no Bearer token), its DOM text and a screenshot are checked."""

from __future__ import annotations

import asyncio
import os
import shutil
import struct
import tempfile
import zlib
from pathlib import Path

import pytest

from shared.config import Settings
from tests.integration.publisher.conftest import Publisher
from tests.integration.publisher.read_letters import feed_letters

WINDOW = (1024, 768)


@pytest.fixture
def publisher_settings(publisher_settings: Settings) -> Settings:
    """The module's publisher: reads are public (KAMERSTROOM_READ_PUBLIC=true), no read token."""
    return publisher_settings.model_copy(update={"read_token": None, "read_public": True})


async def test_reads_are_public_without_a_token(publisher: Publisher) -> None:
    await feed_letters(publisher)
    status, _, _ = await publisher.read("/v1/kamerbrieven", token=None)
    assert 200 == status


async def test_the_feeds_page_in_a_real_browser(publisher: Publisher, tmp_path: Path) -> None:
    """Chromium shows the page: the feeds per ministry and per dossier, a non-blank screenshot."""
    await feed_letters(publisher)
    base = publisher.base
    url = f"{base}/feeds"
    dom = await _chromium(tmp_path, "--dump-dom", url)
    assert "Feeds van Kamerbrieven" in dom
    for text in ("Ministerie van Defensie</a> <span class=\"n\">(2 brieven)</span>",
                 "Ministerie van Financiën</a> <span class=\"n\">(1 brief)</span>",
                 "Dossier 36124", "Dossier 31839", "Dossier 24515",
                 f"{base}/feeds/kamerbrieven.atom?ministry=def",
                 f"{base}/feeds/kamerbrieven.atom?dossier=36124"):
        assert text in dom, text
    shot = tmp_path / "feeds.png"
    await _chromium(tmp_path, f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}",
                    url)
    width, height, distinct = _png_facts(shot.read_bytes())
    assert WINDOW == (width, height)
    assert distinct > 8, "the screenshot is blank"


async def _chromium(folder: Path, *args: str) -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("headless Chromium is needed: apt-get install chromium (.ci/run does)")
    with tempfile.TemporaryDirectory(dir=folder) as profile:
        process = await asyncio.create_subprocess_exec(
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "HOME": profile})
        try:
            out, err = await asyncio.wait_for(process.communicate(), timeout=45)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
    assert 0 == process.returncode, err.decode()[-2000:]
    return out.decode()


def _png_facts(png: bytes) -> tuple[int, int, int]:
    """Width, height and how many distinct byte values the pixel rows hold (1-2: blank)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    pos, data = 8, b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"IDAT":
            data += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(data)))
