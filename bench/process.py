"""Helper processes of the harness itself (the raw relay), started from the repository root."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys

from bench.corpus import ROOT

START_TIMEOUT_SECONDS = 20.0


class Helper:
    """``python -m <module> <args>`` that prints ``ready`` when it is; stopped with SIGTERM."""

    def __init__(self, module: str, *args: str) -> None:
        self._argv = [sys.executable, "-m", module, *args]
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                                       os.environ.get("PYTHONPATH")]))}
        self._process = await asyncio.create_subprocess_exec(
            *self._argv, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.PIPE)
        assert self._process.stdout is not None
        try:
            async with asyncio.timeout(START_TIMEOUT_SECONDS):
                line = await self._process.stdout.readline()
        except TimeoutError:
            line = b""
        if line.strip() != b"ready":
            await self.stop()
            raise RuntimeError(f"{' '.join(self._argv[2:4])} did not start: {await self._stderr()}")

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def ask(self, line: str, timeout: float) -> str:
        """Send ``line`` on stdin and return the next line the helper prints."""
        assert self._process is not None and self._process.stdin is not None, "start() first"
        assert self._process.stdout is not None
        self._process.stdin.write(line.encode() + b"\n")
        await self._process.stdin.drain()
        async with asyncio.timeout(timeout):
            answer = await self._process.stdout.readline()
        if not answer:
            raise RuntimeError(f"{' '.join(self._argv[2:4])} exited: {await self._stderr()}")
        return answer.decode().strip()

    async def _stderr(self) -> str:
        if self._process is None or self._process.stderr is None:
            return ""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2):
                return (await self._process.stderr.read()).decode(errors="replace")[-1000:]
        return ""

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            async with asyncio.timeout(10):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()
