"""``promtool`` for the tests that check Prometheus artefacts with Prometheus's own tool.

It comes from Debian's ``prometheus`` package (``.ci/run`` installs it). Without it a test
is skipped, except in CI, where it fails.
"""

from __future__ import annotations

import os
import shutil

import pytest


def promtool() -> str:
    """The path of ``promtool``; skips the test without it, fails it in CI."""
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing in CI (.ci/run installs Debian's prometheus)")
        pytest.skip("promtool is not installed (apt-get install prometheus)")
    return found
