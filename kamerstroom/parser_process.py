"""``kamerstroom run``'s parser in a supervised child process, as one of ``run``'s services.

The child is ``kamerstroom parser`` (the same command, the same code) with the parent's
settings, its HTTP server on 127.0.0.1 and a free port, and ``--status-fd``: once its
consumer runs it writes ``{"http_port": N}`` on that pipe (``kamerstroom.supervised``).
The services talk only through the broker, so nothing else changes between them.

- ``/readyz`` of ``run`` has the check ``parser.process``: ok while the child runs and its
  own ``/readyz`` (asked every ``POLL_SECONDS``) answers 200.
- ``/metrics`` of ``run`` adds the child's, its samples labelled ``process="parser"``
  (``shared.exposition``).
- A child that exits while ``run`` is not shutting down is logged with its exit status and
  started again after a backoff (``kamerstroom.restarts``); the ``CRASH_LIMIT``-th crash
  within the window makes ``run`` stop everything and exit 1. Nothing is lost meanwhile:
  the broker gives the dead child's unacked messages to the next one.
- ``begin_shutdown`` forwards SIGTERM at once; ``stop`` waits for the child's own graceful
  shutdown within ``KAMERSTROOM_SHUTDOWN_TIMEOUT``, then SIGKILLs it. A child whose parent
  dies gets SIGTERM from the kernel (Linux) and sees its stdin close.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import structlog

from kamerstroom.restarts import RestartPolicy
from shared import metrics
from shared.config import Settings, child_environment
from shared.http import Check, CheckResult

log = structlog.get_logger(__name__)

CHECK = "parser.process"
PROCESS = "parser"
# How often the child's /readyz is asked, and how long one answer may take.
POLL_SECONDS = 1.0
REQUEST_SECONDS = 2.0
# Beyond the broker wait the child does itself, how long it may take to report.
START_MARGIN_SECONDS = 30.0


@dataclass
class _Child:
    """One started child: its process, the pipe it reports on, what it said."""

    process: asyncio.subprocess.Process
    status: asyncio.StreamReader
    pipe: asyncio.ReadTransport
    port: int | None = None
    ready: bool = False
    detail: Any = "starting"
    terminated: bool = False

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    def signal(self, sig: int) -> None:
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(sig)

    def terminate(self) -> None:
        """SIGTERM, once: a second one could reach the child after its loop has closed (its
        handler gone) and end it by the default action in the middle of its exit."""
        if not self.terminated:
            self.terminated = True
            self.signal(signal.SIGTERM)


class ParserProcess:
    """The parser service of ``run``, run and supervised as a child process."""

    name = "parser"

    def __init__(self, settings: Settings, on_give_up: Callable[[str], None]) -> None:
        self._settings = settings
        self._on_give_up = on_give_up
        self._policy = RestartPolicy()
        self._child: _Child | None = None
        self._stopping = False
        self._stop_requested = asyncio.Event()
        self._restarts = 0
        self._session: aiohttp.ClientSession | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._first_start: asyncio.Future[None] | None = None

    @property
    def pid(self) -> int | None:
        """The running child's pid, if one runs."""
        child = self._child
        return child.process.pid if child is not None and child.running else None

    async def start(self) -> None:
        """Start the child and return once its consumer runs (or supervision gave up)."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_SECONDS))
        self._first_start = asyncio.get_running_loop().create_future()
        self._supervisor = asyncio.create_task(self._supervise(), name="parser-process")
        try:
            await asyncio.shield(self._first_start)
        except BaseException:  # cancelled while starting (SIGTERM): leave no child behind
            self.begin_shutdown()
            await self.stop()
            raise

    def begin_shutdown(self) -> None:
        """Forward SIGTERM to the child; start no other."""
        self._stopping = True
        self._stop_requested.set()
        if self._child is not None:
            self._child.terminate()

    async def stop(self) -> None:
        """Wait for the child's graceful exit within the shutdown timeout, then SIGKILL it."""
        self.begin_shutdown()
        try:
            if self._supervisor is not None:
                await asyncio.wait_for(asyncio.shield(self._supervisor),
                                       self._settings.shutdown_timeout)
        except TimeoutError:
            log.warning("parser process did not stop in time; killed",
                        timeout=self._settings.shutdown_timeout, pid=self.pid)
        finally:
            if self._child is not None:  # also when our caller's own timeout cancelled us
                self._child.signal(signal.SIGKILL)
            if self._session is not None:
                await self._session.close()
                self._session = None

    def checks(self) -> dict[str, Check]:
        return {CHECK: self._check}

    def _check(self) -> CheckResult:
        child = self._child
        if child is None or not child.running:
            state = "starting" if child is None else "stopped" if self._stopping else "restarting"
            return False, {"state": state, "restarts": self._restarts}
        return child.ready, {"pid": child.process.pid, "restarts": self._restarts,
                             "checks": child.detail}

    async def exposition(self) -> str | None:
        """The child's ``/metrics`` text, or ``None`` while it cannot answer."""
        child = self._child
        if child is None or child.port is None or not child.running or self._session is None:
            return None
        try:
            async with self._session.get(f"http://127.0.0.1:{child.port}/metrics") as response:
                return await response.text() if response.status == 200 else None
        except (aiohttp.ClientError, TimeoutError):
            return None

    async def _supervise(self) -> None:
        """Start the child; whenever it exits unasked, start it again or give up."""
        try:
            while not self._stopping:
                child = self._child = await self._spawn()
                if self._stopping:  # asked to stop while it was being started
                    child.terminate()
                status = await self._run(child)
                if self._stopping:
                    log.info("parser process stopped", pid=child.process.pid, **_exit(status))
                    break
                delay = self._policy.after_crash(asyncio.get_running_loop().time())
                if delay is None:
                    reason = (f"the parser process exited {self._policy.limit} times within "
                              f"{self._policy.window:g} s")
                    log.error("parser process keeps crashing; stopping", pid=child.process.pid,
                              **_exit(status), reason=reason)
                    self._on_give_up(reason)
                    break
                log.error("parser process exited; restarting", pid=child.process.pid,
                          **_exit(status), restart_in=delay)
                await self._sleep_unless_stopping(delay)
                if self._stopping:
                    break
                self._restarts += 1
                metrics.PARSER_PROCESS_RESTARTS.inc()
        except Exception as exc:  # a child that cannot be started or read: run cannot go on
            log.exception("parser process cannot be supervised; stopping")
            if self._child is not None:
                self._child.signal(signal.SIGKILL)
            self._on_give_up(f"the parser process cannot be supervised: {exc}")
        finally:
            self._resolve_first_start()

    async def _run(self, child: _Child) -> int:
        """Wait for the child's report, then follow its readiness until it exits; its status."""
        poller: asyncio.Task[None] | None = None
        try:
            limit = self._settings.broker_connect_timeout + START_MARGIN_SECONDS
            try:
                line = await asyncio.wait_for(child.status.readline(), limit)
            except TimeoutError:
                line = b""
                log.error("parser process did not start in time; killed", timeout=limit)
                child.signal(signal.SIGKILL)
            if line:
                child.port = int(json.loads(line)["http_port"])
                child.ready, child.detail = True, "started"
                log.info("parser process started", pid=child.process.pid, http_port=child.port)
                self._resolve_first_start()
                poller = asyncio.create_task(self._poll(child), name="parser-process-readyz")
            return await child.process.wait()
        finally:
            child.ready = False
            child.pipe.close()
            if poller is not None:
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller

    async def _poll(self, child: _Child) -> None:
        """Keep ``child.ready`` to what the child's own ``/readyz`` says."""
        assert self._session is not None
        url = f"http://127.0.0.1:{child.port}/readyz"
        while child.running:
            try:
                async with self._session.get(url) as response:
                    body = await response.json()
                    child.ready, child.detail = response.status == 200, body.get("checks")
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                child.ready, child.detail = False, f"/readyz did not answer: {exc!r}"
            await asyncio.sleep(POLL_SECONDS)

    async def _spawn(self) -> _Child:
        """``kamerstroom parser --status-fd N`` with these settings; stdin is a pipe we hold
        (it closes when we die)."""
        read_fd, write_fd = os.pipe()
        try:
            env = child_environment(self._settings, http_host="127.0.0.1", http_port="0",
                                    run_parser_process="off")
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "kamerstroom", "parser", "--status-fd", str(write_fd),
                env=env, stdin=asyncio.subprocess.PIPE, pass_fds=(write_fd,))
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
        reader = asyncio.StreamReader()
        pipe, _ = await asyncio.get_running_loop().connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(read_fd, "rb", buffering=0))
        return _Child(process, reader, pipe)

    async def _sleep_unless_stopping(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop_requested.wait(), seconds)

    def _resolve_first_start(self) -> None:
        if self._first_start is not None and not self._first_start.done():
            self._first_start.set_result(None)


def _exit(status: int) -> dict[str, Any]:
    """An exit status for a log line: ``status``, and ``signal`` when a signal ended it."""
    if status < 0:
        return {"status": status, "signal": signal.Signals(-status).name}
    return {"status": status}
