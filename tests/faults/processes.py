"""``kamerstroom`` commands as child processes, for the faults only a real process shows.

A ``Process`` runs one command (``run``, ``fetcher``) with the environment the test gives
it, collects its JSON log lines from stderr as they come, and can be killed with any
signal. ``run`` with its parser in a child process writes the child's lines to the same
stderr, marked ``"process": "parser"``; ``started`` and ``http_port`` are the parent's.
``service_env`` is the environment the fault tests share: loopback only, state in
a temporary folder, or in PostgreSQL when a database URL is given.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp

READYZ_TIMEOUT = 2.0  # seconds for one /readyz answer: the process serves it from memory


class Process:
    """``kamerstroom <command>`` as a child process, its JSON log lines collected."""

    def __init__(self, env: dict[str, str], command: str = "run") -> None:
        self._env = env
        self.command = command
        self.proc: asyncio.subprocess.Process | None = None
        self.lines: list[dict[str, Any]] = []
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "kamerstroom", self.command, env=self._env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        async for raw in self.proc.stderr:
            try:
                self.lines.append(json.loads(raw))
            except ValueError:
                self.lines.append({"event": raw.decode(errors="replace").strip()})

    def started(self) -> bool:
        """Whether the process logged ``started`` (needs log level info)."""
        return self._started_line() is not None

    @property
    def http_port(self) -> int:
        """The port its ``/readyz`` listens on, from the ``started`` line."""
        line = self._started_line()
        assert line is not None, "the process has not started"
        return int(line["http_port"])

    def _started_line(self) -> dict[str, Any] | None:
        return next((line for line in self.lines if line.get("event") == "started"
                     and line.get("process") != "parser"), None)

    @property
    def pid(self) -> int:
        assert self.proc is not None, "the process has not started"
        return self.proc.pid

    def children(self) -> list[int]:
        """The pids of its live child processes (``run``'s parser process), from ``/proc``."""
        found: list[int] = []
        for task in Path(f"/proc/{self.pid}/task").glob("*"):
            try:
                found += [int(pid) for pid in (task / "children").read_text().split()]
            except OSError:  # the thread or the process is gone
                continue
        return found

    def logged(self, event: str) -> list[dict[str, Any]]:
        """Its log lines with this ``event``, in order."""
        return [line for line in self.lines if line.get("event") == event]

    async def get(self, path: str) -> tuple[int, str]:
        """One ``GET`` on its HTTP port: the status and the body's text."""
        timeout = aiohttp.ClientTimeout(total=READYZ_TIMEOUT)
        async with (aiohttp.ClientSession(timeout=timeout) as session,
                    session.get(f"http://127.0.0.1:{self.http_port}{path}") as response):
            return response.status, await response.text()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def readyz(self) -> tuple[int, dict[str, Any]]:
        """One ``GET /readyz``: its status and JSON body."""
        url = f"http://127.0.0.1:{self.http_port}/readyz"
        timeout = aiohttp.ClientTimeout(total=READYZ_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            body: dict[str, Any] = await response.json()
            return response.status, body

    async def wait(self, timeout: float) -> int:
        assert self.proc is not None and self._reader is not None
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        await asyncio.wait_for(self._reader, timeout)
        return code

    def kill(self, sig: int) -> None:
        if self.running:
            assert self.proc is not None
            self.proc.send_signal(sig)

    async def kill_and_reap(self) -> None:
        """SIGKILL if still running, and wait for it: never left behind."""
        if self.running:
            self.kill(signal.SIGKILL)
            await self.wait(timeout=10)


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, dead but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def service_env(namespace: str, amqp_url: str, data_dir: Path, webhook_url: str,
                database_url: str | None = None) -> dict[str, str]:
    """The environment of a fault test's ``kamerstroom run``: letters come straight into
    ``<ns>.raw`` (no sources), one webhook, a short retry schedule, state in ``data_dir``
    or in ``database_url`` when given (PostgreSQL)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "KAMERSTROOM_AMQP_URL": amqp_url,
        "KAMERSTROOM_NAMESPACE": namespace,
        "KAMERSTROOM_HTTP_HOST": "127.0.0.1",
        "KAMERSTROOM_HTTP_PORT": "0",
        "KAMERSTROOM_DATA_DIR": str(data_dir),
        "KAMERSTROOM_SOURCES": "",
        "KAMERSTROOM_WEBHOOK_URLS": webhook_url,
        "KAMERSTROOM_WEBHOOK_ALLOW_PRIVATE": "true",
        "KAMERSTROOM_WEBHOOK_RETRY_SCHEDULE": "0,0.2,0.5,1,1,1,1,1",
        "KAMERSTROOM_SHUTDOWN_TIMEOUT": "10",
        "KAMERSTROOM_LOG_LEVEL": "warning",
    }
    if database_url is not None:
        env["KAMERSTROOM_DATABASE_URL"] = database_url
    return env
