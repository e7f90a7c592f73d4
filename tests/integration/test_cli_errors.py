"""Bad configuration gives one clear line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path


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
