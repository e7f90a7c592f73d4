"""A private PostgreSQL for the test session, and a fresh empty database per test.

``PostgresCluster`` runs ``initdb`` into a temporary folder and ``pg_ctl start`` on a free
127.0.0.1 port (its unix socket in the same folder), and ``stop()`` removes it all again:
the tests never touch the machine's shared server on 5432. ``PostgresServer`` names a
server the tests may create databases on: that private cluster, or the one
``KAMERSTROOM_TEST_POSTGRES_URL`` names (CI can start one for the whole run).

    with PostgresCluster.start() as server:
        url = server.create_database()     # postgresql://…/test_3f9c…, empty
        ...
        server.drop_database(url)

``initdb`` refuses to run as root, and this machine and CI run as root: then the cluster's
commands run as an unprivileged user (``postgres`` where it exists, else ``nobody``), who
owns the temporary folder.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import ClassVar
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

TEST_URL_ENV = "KAMERSTROOM_TEST_POSTGRES_URL"
SHARED_PORT = 5432  # the machine's own server: never ours
SUPERUSER = "kamerstroom"
COMMAND_TIMEOUT = 60.0  # seconds for initdb, pg_ctl start or stop
START_ATTEMPTS = 3  # a free port can be taken between choosing it and binding it
UNPRIVILEGED_USERS = ("postgres", "nobody")

# Throwaway cluster: nothing in it must survive a crash, so durability is traded for speed.
FAST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",  # dozens of tests, each store with its own connections
}


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries here (install Debian's ``postgresql`` or set the test URL)."""


def find_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: ``pg_config --bindir``, then
    ``/usr/lib/postgresql/<newest>/bin``, then ``PATH``; ``None`` when there is none."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT, check=False)
        if done.returncode == 0:
            candidates.append(Path(done.stdout.strip()))
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += [Path(p) for p in sorted(versions, key=_major_version, reverse=True)]
    initdb = shutil.which("initdb")
    if initdb is not None:
        candidates.append(Path(initdb).resolve().parent)
    return next((c for c in candidates if _has_binaries(c)), None)


def _major_version(bindir: str) -> int:
    name = Path(bindir).parent.name
    return int(name) if name.isdigit() else 0


def _has_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl"))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now, never 5432."""
    for _ in range(10):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port != SHARED_PORT:
            return port
    raise RuntimeError("no free port on 127.0.0.1")


@dataclass
class PostgresServer:
    """A server the tests may create and drop databases on, given by its admin URL.

    ``create_database()`` is one ``CREATE DATABASE … TEMPLATE template0`` on an admin
    connection kept open: cheap enough for one database per test.
    """

    admin_url: str
    _admin: psycopg.Connection[tuple[object, ...]] | None = field(default=None, repr=False)
    _cluster: PostgresCluster | None = field(default=None, repr=False)

    @property
    def restartable(self) -> bool:
        """Whether ``restart()`` works: only for the private cluster, not a server we were given."""
        return self._cluster is not None

    def restart(self, down_for: float = 0.0) -> None:
        """Stop the server (fast: every session is closed), stay down ``down_for`` seconds,
        start it again on the same port. Blocks; raises ``RuntimeError`` for a server
        that is not the private cluster."""
        if self._cluster is None:
            raise RuntimeError("only the private cluster can be restarted")
        self.close()
        self._cluster.restart(down_for)

    @property
    def port(self) -> int:
        return urlsplit(self.admin_url).port or SHARED_PORT

    def url(self, database: str) -> str:
        """The admin URL with ``database`` as its database."""
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path="/" + quote(database)))

    def create_database(self) -> str:
        """A new, empty database (nothing from ``template1``); its URL."""
        name = f"test_{secrets.token_hex(8)}"
        self._execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop the database ``url`` names, closing whatever connections it still has."""
        name = urlsplit(url).path.lstrip("/")
        self._execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def close(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None

    def _execute(self, statement: sql.Composed) -> None:
        # CREATE/DROP DATABASE cannot run in a transaction, hence autocommit.
        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10)
        self._admin.execute(statement)


@dataclass
class PostgresCluster:
    """A cluster of our own in a temporary folder; ``stop()`` (or leaving ``with``) removes it.

    ``settings`` are the server's ``-c`` options; a subclass may trade speed for durability.
    """

    settings: ClassVar[dict[str, str]] = FAST_SETTINGS
    bindir: Path
    folder: Path
    port: int
    password: str
    server: PostgresServer
    _owner: pwd.struct_passwd | None

    @classmethod
    def start(cls, bindir: Path | None = None) -> PostgresCluster:
        """Create and start a cluster; raises ``PostgresUnavailable`` without binaries and
        ``RuntimeError`` (with the server's log) when it does not come up."""
        bindir = bindir or find_bindir()
        if bindir is None:
            raise PostgresUnavailable(
                "PostgreSQL binaries (initdb, pg_ctl) not found via pg_config, "
                "/usr/lib/postgresql/*/bin or PATH: install Debian's postgresql package "
                f"or set {TEST_URL_ENV}")
        owner = _unprivileged_owner()
        folder = Path(tempfile.mkdtemp(prefix="kamerstroom-pg-"))
        password = secrets.token_hex(16)
        cluster = cls(bindir, folder, 0, password, PostgresServer(""), owner)
        try:
            cluster._initdb()
            cluster._start_on_a_free_port()
        except BaseException:
            cluster._remove()
            raise
        return cluster

    def __enter__(self) -> PostgresServer:
        return self.server

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "postgres.log"

    def stop(self) -> None:
        """Stop the server (fast, then immediate) and delete the folder. Idempotent."""
        self.server.close()
        if self.data.exists():
            for mode in ("fast", "immediate"):
                done = self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w",
                                 "-t", str(int(COMMAND_TIMEOUT)), check=False)
                if done.returncode == 0 or not (self.data / "postmaster.pid").exists():
                    break
        self._remove()

    def restart(self, down_for: float = 0.0) -> None:
        """``pg_ctl stop -m fast``, ``down_for`` seconds with no server, ``pg_ctl start``
        with the same settings and port (``pg_ctl restart`` when ``down_for`` is 0)."""
        if down_for <= 0:
            self._run("pg_ctl", "restart", "-D", str(self.data), "-m", "fast", "-w",
                      "-t", str(int(COMMAND_TIMEOUT)))
            return
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w",
                  "-t", str(int(COMMAND_TIMEOUT)))
        time.sleep(down_for)
        done = self._pg_ctl_start()
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed ({done.returncode}): {done.stderr or done.stdout}")

    def _initdb(self) -> None:
        if self._owner is not None:
            os.chown(self.folder, self._owner.pw_uid, self._owner.pw_gid)
        pwfile = self.folder / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self._owner is not None:
            os.chown(pwfile, self._owner.pw_uid, self._owner.pw_gid)
        # --no-sync: a test cluster need not survive a power cut, and it saves seconds.
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, f"--pwfile={pwfile}",
                  "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8",
                  "--locale=C", "--no-sync")
        pwfile.unlink()

    def _start_on_a_free_port(self) -> None:
        for _ in range(START_ATTEMPTS):
            self.port = free_port()
            if self._pg_ctl_start().returncode == 0:
                self.server = PostgresServer(
                    f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/postgres",
                    _cluster=self)
                return
        tail = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
        raise RuntimeError(f"the test PostgreSQL did not start in {self.folder}:\n{tail}")

    def _pg_ctl_start(self) -> subprocess.CompletedProcess[str]:
        settings = {**self.settings, "listen_addresses": "127.0.0.1", "port": str(self.port),
                    "unix_socket_directories": str(self.folder)}
        options = " ".join(f"-c {name}={value}" for name, value in settings.items())
        return self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log),
                         "-o", options, "-w", "-t", str(int(COMMAND_TIMEOUT)), check=False)

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        owner = self._owner
        done = subprocess.run([str(self.bindir / program), *args], cwd=self.folder,
                              capture_output=True, text=True, timeout=COMMAND_TIMEOUT + 10,
                              check=False, user=owner and owner.pw_uid, group=owner and owner.pw_gid,
                              extra_groups=None if owner is None else [])
        if check and done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr or done.stdout}")
        return done

    def _remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _unprivileged_owner() -> pwd.struct_passwd | None:
    """Who runs the cluster's commands: ``None`` (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in UNPRIVILEGED_USERS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable(
        f"running as root and none of the users {UNPRIVILEGED_USERS} exists: initdb refuses root")


def server_from_environment() -> PostgresServer | None:
    """The server ``KAMERSTROOM_TEST_POSTGRES_URL`` names (a user that may create
    databases), or ``None`` when it is unset and the tests start their own."""
    url = os.environ.get(TEST_URL_ENV, "").strip()
    return PostgresServer(url) if url else None


def in_ci() -> bool:
    """Whether ``CI`` says this is a CI run (``true``, ``1`` or ``yes``)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@contextlib.contextmanager
def session_server(*, in_ci: bool) -> Iterator[PostgresServer]:
    """The test session's server: ``KAMERSTROOM_TEST_POSTGRES_URL``'s if set, else a
    private cluster, stopped and removed on leaving.

    Without PostgreSQL binaries this fails the test in CI (``pytest.fail``: CI must run
    the PostgreSQL tests, not quietly skip them) and skips it elsewhere.
    """
    external = server_from_environment()
    if external is not None:
        try:
            yield external
        finally:
            external.close()
        return
    try:
        cluster = PostgresCluster.start()
    except PostgresUnavailable as exc:
        if in_ci:
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(str(exc))
    with cluster as server:
        yield server


def main() -> int:
    """``python -m tests.support.postgres``: start a private cluster for a whole CI run,
    print its admin URL (for ``KAMERSTROOM_TEST_POSTGRES_URL``), and keep it until standard
    input closes (the caller exits) or SIGTERM; then stop it and remove its folder."""
    cluster = PostgresCluster.start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # leaves through ``finally``
    try:
        print(cluster.server.admin_url, flush=True)
        with contextlib.suppress(ValueError, OSError):
            sys.stdin.read()  # until EOF
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
