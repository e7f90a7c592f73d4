"""``run``'s one ``/metrics`` with a child's exposition merged in is valid and loses nothing."""

from __future__ import annotations

import subprocess
from collections import Counter

import prometheus_client
import pytest
from prometheus_client import CollectorRegistry, Gauge, Histogram
from prometheus_client import Counter as PromCounter
from prometheus_client.parser import text_string_to_metric_families

from shared.exposition import PROCESS_LABEL, merge
from tests.support.promtool import promtool


def _exposition(parsed: float, connected: float, extra: bool = False) -> str:
    """A process's exposition: a counter with labels, a plain gauge, a histogram, the
    process collector (as both processes of ``run`` have them)."""
    registry = CollectorRegistry()
    results = PromCounter("kamerstroom_parse_results_total", "Parsed.", ["format", "outcome"],
                          registry=registry)
    results.labels(format="kst-xml", outcome="ok").inc(parsed)
    Gauge("kamerstroom_broker_connected", "Up.", registry=registry).set(connected)
    Histogram("kamerstroom_handler_seconds", "Handler.", ["queue"], registry=registry,
              buckets=(0.1, 1.0)).labels(queue="q").observe(0.5)
    prometheus_client.ProcessCollector(registry=registry)
    if extra:
        Gauge("kamerstroom_child_only", "Only in the child.", registry=registry).set(7)
    return prometheus_client.generate_latest(registry).decode()


def test_each_family_once_with_the_childs_samples_labelled() -> None:
    """Every family is declared once; the child's samples carry ``process``; values are the
    two processes' own, none summed or dropped."""
    merged = merge(_exposition(2, 1), _exposition(5, 0, extra=True), "parser").decode()

    declared = Counter(line.split()[2] for line in merged.splitlines() if line.startswith("# TYPE"))
    assert [] == [name for name, n in declared.items() if n > 1]
    families = {family.name: family for family in text_string_to_metric_families(merged)}
    parsed = {sample.labels.get(PROCESS_LABEL): sample.value
              for sample in families["kamerstroom_parse_results"].samples
              if sample.name.endswith("_total")}
    assert {None: 2.0, "parser": 5.0} == parsed
    connected = {s.labels.get(PROCESS_LABEL): s.value
                 for s in families["kamerstroom_broker_connected"].samples}
    assert {None: 1.0, "parser": 0.0} == connected
    assert [{"process": "parser"}] == [s.labels for s in families["kamerstroom_child_only"].samples]
    cpu = {s.labels.get(PROCESS_LABEL) for s in families["process_cpu_seconds"].samples}
    assert {None, "parser"} == cpu


def test_promtool_accepts_the_merged_exposition() -> None:
    """``promtool check metrics`` finds no error in it (lint warnings aside)."""
    merged = merge(_exposition(2, 1), _exposition(5, 0, extra=True), "parser")
    done = subprocess.run([promtool(), "check", "metrics"], input=merged, capture_output=True,
                          timeout=60)
    assert 0 == done.returncode, done.stdout + done.stderr


def test_garbage_from_the_child_is_refused() -> None:
    """A child's text that does not parse raises ``ValueError`` (``/metrics`` then leaves it out)."""
    with pytest.raises(ValueError):
        merge(_exposition(1, 1), "kamerstroom_x{oops 1\n", "parser")
