"""The system under test: ``kamerstroom run`` (or one service) as a subprocess.

It is configured only through ``KAMERSTROOM_*`` environment variables, as an operator
would, so its CPU and memory are its own and ``/proc/<pid>/status`` gives its peak RSS.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import aiohttp

READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 20.0
# Set by ``profile_into``: every system under test is then sampled by py-spy into this folder.
_profile_dir: Path | None = None


def profile_into(folder: Path | None) -> None:
    """Sample every system under test started from now on with py-spy (collapsed stacks)."""
    global _profile_dir
    _profile_dir = folder


class SutError(RuntimeError):
    """The system under test did not start, or died; the message has its log's tail."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Sut:
    """``python -m kamerstroom <command>`` with its own namespace, data dir and HTTP port."""

    def __init__(self, command: str, *, namespace: str, amqp_url: str, workdir: Path,
                 env: Mapping[str, str] | None = None) -> None:
        self.command = command
        self.port = free_port()
        self.log_path = workdir / f"{command}-{namespace}.log"
        self.env = {
            **os.environ,
            "KAMERSTROOM_AMQP_URL": amqp_url,
            "KAMERSTROOM_NAMESPACE": namespace,
            "KAMERSTROOM_DATA_DIR": str(workdir / f"data-{namespace}"),
            "KAMERSTROOM_HTTP_HOST": "127.0.0.1",
            "KAMERSTROOM_HTTP_PORT": str(self.port),
            "KAMERSTROOM_SOURCES": "officielebekendmakingen",
            "KAMERSTROOM_REQUEST_INTERVAL": "0",
            "KAMERSTROOM_POLL_INTERVAL": "3600",
            "KAMERSTROOM_WEBHOOK_ALLOW_PRIVATE": "true",
            "KAMERSTROOM_SHUTDOWN_TIMEOUT": "10",
            # One process unless a scenario asks for the parser child (``pipeline/run-child-parser``):
            # ``auto`` would make every figure depend on the cores of the machine.
            "KAMERSTROOM_RUN_PARSER_PROCESS": "off",
            **(env or {}),
        }
        self._process: subprocess.Popen[bytes] | None = None
        self._profiler: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self._process is None:
            raise SutError("not started")
        return self._process.pid

    async def start(self, *, wait_ready: bool = True) -> None:
        """Spawn the process; with ``wait_ready``, return once ``/readyz`` answers 200."""
        log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "kamerstroom", self.command], env=self.env,
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        log.close()
        if _profile_dir is not None:
            name = f"{self.command}-{self.env['KAMERSTROOM_NAMESPACE']}.txt"
            self._profiler = _py_spy(self._process.pid, _profile_dir / name)
        if wait_ready:
            await self.wait_ready()

    async def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Poll ``/readyz`` until 200; raise ``SutError`` if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                self.check_alive()
                try:
                    async with session.get(f"{self.base_url}/readyz",
                                           timeout=aiohttp.ClientTimeout(total=2)) as resp:
                        if resp.status == 200:
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.1)
        raise SutError(f"kamerstroom {self.command} not ready after {timeout:.0f}s: {self.log_tail()}")

    def check_alive(self) -> None:
        """Raise ``SutError`` with the log's tail if the process has exited."""
        if self._process is not None and self._process.poll() is not None:
            raise SutError(f"kamerstroom {self.command} exited with {self._process.returncode}: "
                           f"{self.log_tail()}")

    def children(self) -> list[int]:
        """The pids of the process's live children (``run``'s parser process), from ``/proc``."""
        found: list[int] = []
        for task in Path(f"/proc/{self.pid}/task").glob("*"):
            try:
                found += [int(pid) for pid in (task / "children").read_text().split()]
            except OSError:  # the thread is gone
                continue
        return found

    def peak_rss_bytes(self) -> int:
        """The process's peak resident set size so far (``VmHWM``)."""
        return _status_kib(self.pid, "VmHWM") * 1024

    def tree_peak_rss_bytes(self) -> int:
        """Peak RSS of the process plus that of each live child (``run``'s parser process):
        each its own ``VmHWM``, so an upper bound of what they held at once."""
        return self.peak_rss_bytes() + sum(_status_kib(pid, "VmHWM") * 1024
                                           for pid in self.children())

    def rss_bytes(self) -> int:
        """The process's resident set size now (``VmRSS``)."""
        return _status_kib(self.pid, "VmRSS") * 1024

    async def stop(self) -> None:
        """SIGTERM, wait for the graceful shutdown (bounded), SIGKILL if it overstays."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        if self._profiler is not None:  # stop sampling first: it writes its file on SIGINT
            self._profiler.send_signal(signal.SIGINT)
            try:
                self._profiler.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._profiler.kill()
            self._profiler = None
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if process.poll() is None:
            process.kill()
            process.wait()

    def log_tail(self, lines: int = 8) -> str:
        """The last ``lines`` lines the process wrote, on one line."""
        try:
            text = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(line[:300] for line in text[-lines:]) or "(empty log)"


def _py_spy(pid: int, output: Path) -> subprocess.Popen[bytes]:
    output.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid), "--format", "raw",
         "--rate", "200", "--output", str(output)],
        stdout=subprocess.DEVNULL, stderr=output.with_suffix(".py-spy.log").open("wb"))


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise SutError(f"/proc/{pid}/status has no {field}")
