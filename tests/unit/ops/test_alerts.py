"""The alert rules fire when they should: ``promtool test rules`` on their test cases.

``promtool`` comes from Debian's ``prometheus`` package (``.ci/run`` installs it). Without
it the test is skipped, except in CI, where it fails.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from shared import metrics
from tests.support.promtool import promtool

RULES = Path(__file__).parents[3] / "deploy" / "prometheus"



def test_rules_check_and_every_test_case_passes() -> None:
    """``promtool check rules`` (lint included) and ``promtool test rules`` are green."""
    tool = promtool()
    for args in (["check", "rules", "alerts.yaml"], ["test", "rules", "alerts.test.yaml"]):
        done = subprocess.run([tool, *args], cwd=RULES, capture_output=True, text=True, timeout=60)
        assert 0 == done.returncode, done.stdout + done.stderr


def test_every_alert_has_a_firing_and_a_silent_case() -> None:
    """Each alert in alerts.yaml is expected to fire in some case and to be silent in another."""
    rules = yaml.safe_load((RULES / "alerts.yaml").read_text())["groups"][0]["rules"]
    cases = yaml.safe_load((RULES / "alerts.test.yaml").read_text())["tests"]
    checks = [c for case in cases for c in case["alert_rule_test"]]
    fires = {c["alertname"] for c in checks if c["exp_alerts"]}
    silent = {c["alertname"] for c in checks if not c["exp_alerts"]}
    alerts = {r["alert"] for r in rules}
    assert (alerts, alerts) == (fires, silent)
    assert {"failed since start", "drift"} <= {case["name"] for case in cases}


def test_register_source_creates_the_series_an_alert_needs() -> None:
    """Before any poll: ok and error polls at 0, and the last-success timestamp at 0 ("never")."""
    metrics.register_source("test-registered")
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in (metrics.POLLS, metrics.LAST_SUCCESSFUL_POLL)
               for m in family.collect() for s in m.samples}
    for outcome in ("ok", "error"):
        key = ("kamerstroom_polls_total", (("outcome", outcome), ("source", "test-registered")))
        assert 0.0 == samples[key]
    assert 0.0 == samples[("kamerstroom_last_successful_poll_timestamp_seconds",
                           (("source", "test-registered"),))]
