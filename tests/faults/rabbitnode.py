"""A private RabbitMQ node for tests that stop and start the broker.

The shared broker on 5672 must never be stopped, so a test that restarts "the broker"
gets a node of its own: its own name, ports, data and log folders, no plugins. The
Debian wrappers (``rabbitmq-server``, ``rabbitmqctl``) switch to the ``rabbitmq`` user when
run as root, so the folders are handed to that user and the node shares its Erlang cookie.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT_SECONDS = 60.0
CTL_TIMEOUT_SECONDS = 60.0


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RabbitNode:
    """One detached ``rabbitmq-server`` with its own name, ports and folders."""

    nodename: str
    port: int
    dist_port: int
    base: Path

    @classmethod
    def create(cls) -> RabbitNode:
        base = Path(tempfile.mkdtemp(prefix="ks-rabbit-"))
        return cls(nodename=f"ks-fault-{uuid.uuid4().hex[:8]}@localhost", port=free_port(),
                   dist_port=free_port(), base=base)

    @property
    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "RABBITMQ_NODENAME": self.nodename,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.base / "node.pid"),
            # The system config pins the listener to 5672 (the shared broker): use our own.
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"),
        }

    def start(self) -> None:
        """Start the node detached and wait (bounded) until it accepts AMQP connections."""
        for sub in ("mnesia", "log"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
        (self.base / "enabled_plugins").write_text("[].\n")
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\nloopback_users = none\n")
        _hand_to_rabbitmq_user(self.base)
        subprocess.run(["rabbitmq-server", "-detached"], env=self._env(), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=CTL_TIMEOUT_SECONDS)
        self.await_up()

    def await_up(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Wait until the node (and its AMQP listener) is up; ``await_startup`` exits 69 early."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.ctl("await_startup", "--timeout", "20", check=False)
            if done.returncode == 0 and self.answers():
                return
            time.sleep(0.5)
        raise RuntimeError(f"private RabbitMQ node {self.nodename} did not start in {timeout}s; "
                           f"logs in {self.base / 'log'}")

    def answers(self) -> bool:
        """Whether the AMQP port accepts a TCP connection."""
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True

    def ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``rabbitmqctl -n <node> args`` (bounded in time)."""
        return subprocess.run(["rabbitmqctl", "-n", self.nodename, *args], env=self._env(),
                              check=check, capture_output=True, text=True,
                              timeout=CTL_TIMEOUT_SECONDS)

    def stop_app(self) -> None:
        self.ctl("stop_app")

    def start_app(self) -> None:
        self.ctl("start_app")
        self.await_up()

    def stop(self) -> None:
        """Stop the node and remove its folders (never raises: it runs in teardown)."""
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.ctl("stop", check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def _hand_to_rabbitmq_user(base: Path) -> None:
    """As root the wrappers run the node as ``rabbitmq``: it must own its folders."""
    if os.geteuid() != 0:
        return
    try:
        user = pwd.getpwnam("rabbitmq")
    except KeyError:
        return
    base.chmod(0o755)
    for path in [base, *base.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid)
