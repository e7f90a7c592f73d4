"""Bad configuration gives one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kamerstroom.cli import main


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "KAMERSTROOM_DATA_DIR": str(tmp_path), **env}
    return subprocess.run([sys.executable, "-m", "kamerstroom", "run"], env=environment,
                          capture_output=True, text=True, timeout=60, check=False)


def test_unparseable_amqp_url(tmp_path: Path) -> None:
    """An AMQP URL with a bad port is refused before anything starts."""
    result = _run(tmp_path, KAMERSTROOM_AMQP_URL="amqp://guest:guest@127.0.0.1:port/")
    assert 2 == result.returncode
    assert "Traceback" not in result.stderr
    assert 1 == len(result.stderr.strip().splitlines())
    assert "KAMERSTROOM_AMQP_URL" in result.stderr


def test_http_port_in_use(tmp_path: Path, amqp_url: str) -> None:
    """A port that is already taken is named in one line, and the process exits non-zero."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run(tmp_path, KAMERSTROOM_AMQP_URL=amqp_url, KAMERSTROOM_HTTP_HOST="127.0.0.1",
                      KAMERSTROOM_HTTP_PORT=str(port), KAMERSTROOM_NAMESPACE="test-port-in-use")
    assert 2 == result.returncode
    assert "Traceback" not in result.stderr
    assert 1 == len(result.stderr.strip().splitlines())
    assert f"{port} is in use" in result.stderr


def test_a_refused_login_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """A wrong password is not retried: ACCESS_REFUSED is named in one line, exit 2."""
    result = _run(tmp_path, KAMERSTROOM_AMQP_URL="amqp://guest:wrong-password@127.0.0.1:5672/",
                  KAMERSTROOM_HTTP_HOST="127.0.0.1", KAMERSTROOM_HTTP_PORT="0")
    assert 2 == result.returncode
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert "refused the login (ACCESS_REFUSED)" in lines[-1]
    assert [] == [line for line in lines[:-1] if not line.startswith("{")]  # all JSON before it
    assert "wrong-password" not in result.stderr


def test_an_unreachable_broker_is_retried_until_the_connect_timeout(tmp_path: Path) -> None:
    """Nothing listens on the broker port: retried (JSON warnings) for the timeout, then one
    line naming the setting, exit 2."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = _run(tmp_path, KAMERSTROOM_AMQP_URL=f"amqp://guest:guest@127.0.0.1:{port}/",
                  KAMERSTROOM_HTTP_HOST="127.0.0.1", KAMERSTROOM_HTTP_PORT="0",
                  KAMERSTROOM_BROKER_CONNECT_TIMEOUT="3")
    lines = result.stderr.strip().splitlines()
    assert 2 == result.returncode
    assert "KAMERSTROOM_BROKER_CONNECT_TIMEOUT" in lines[-1]
    assert [] == [line for line in lines[:-1] if not line.startswith("{")]  # all JSON before it
    assert any('"broker not reachable, retrying"' in line for line in lines[:-1])


def _command(tmp_path: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "KAMERSTROOM_DATA_DIR": str(tmp_path), **env}
    return subprocess.run([sys.executable, "-m", "kamerstroom", *argv], env=environment,
                          capture_output=True, text=True, timeout=60, check=False)


def _one_line_exit_2(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert 2 == result.returncode, result.stderr
    assert "Traceback" not in result.stderr
    assert 1 == len(result.stderr.strip().splitlines()), result.stderr
    for needle in needles:
        assert needle in result.stderr


def test_feeds_serve_on_a_busy_port(tmp_path: Path) -> None:
    """``feeds serve --port N`` on a taken port: one line naming it, exit 2."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _command(tmp_path, "feeds", "serve", "--port", str(port))
    _one_line_exit_2(result, f"127.0.0.1:{port} is in use")


BAD_SETTINGS = [
    ({"KAMERSTROOM_TK_API_URL": "nope"}, "KAMERSTROOM_TK_API_URL"),
    ({"KAMERSTROOM_OB_SRU_URL": "ftp://example.org/sru"}, "KAMERSTROOM_OB_SRU_URL"),
    ({"KAMERSTROOM_WEBHOOK_URLS": "not-a-url"}, "KAMERSTROOM_WEBHOOK_URLS"),
    ({"KAMERSTROOM_WEBHOOK_URLS": "http://example.org/hook"}, "must use https"),
    ({"KAMERSTROOM_WEBHOOK_URLS": "https://127.0.0.1/hook"}, "loopback"),
]
ENTRY_POINTS = [("run",), ("fetcher",), ("publisher",), ("dead", "list"),
                ("backfill", "--source", "tweedekamer", "--since", "2025-01-01"),
                ("feeds", "start-date"), ("subscribe",)]


def test_every_bad_setting_through_every_entry_point(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Each bad setting, through each command that reads settings: one line naming it, exit 2
    (in this process: the same ``main`` the console script calls)."""
    monkeypatch.setenv("KAMERSTROOM_DATA_DIR", str(tmp_path))
    for env, needle in BAD_SETTINGS:
        with monkeypatch.context() as patched:
            for name, value in env.items():
                patched.setenv(name, value)
            for argv in ENTRY_POINTS:
                status = main(list(argv))
                err = capsys.readouterr().err
                assert (2, 1) == (status, len(err.strip().splitlines())), (argv, err)
                assert needle in err, (argv, err)


def test_an_unwritable_data_dir(tmp_path: Path) -> None:
    """A data folder that cannot be written: one line naming KAMERSTROOM_DATA_DIR, exit 2."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for argv in [("run",), ("feeds", "start-date"),
                 ("backfill", "--source", "tweedekamer", "--since", "2025-01-01")]:
        _one_line_exit_2(_command(tmp_path, *argv, KAMERSTROOM_DATA_DIR=str(blocker / "data")),
                         "KAMERSTROOM_DATA_DIR")


def test_a_one_shot_command_against_an_unreachable_broker_is_one_line(tmp_path: Path) -> None:
    """``dead list`` with nothing listening on the broker port: its own error line only, no
    stray library warning before it."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = _command(tmp_path, "dead", "list", KAMERSTROOM_AMQP_URL=f"amqp://guest:guest@127.0.0.1:{port}/")
    _one_line_exit_2(result, "the broker does not answer")
