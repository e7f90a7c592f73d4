"""The benchmark's CPU meter reads real CPU time from /proc and reports it per item."""

from __future__ import annotations

import os
import time

from bench.cpu import CpuMeter, cpu_seconds


def _spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_cpu_seconds_grow_with_work_and_a_missing_process_reads_none() -> None:
    """Busy work shows up in the process's CPU seconds; a pid that does not exist is None."""
    before = cpu_seconds(os.getpid())
    _spin(0.2)
    after = cpu_seconds(os.getpid())
    assert before is not None and after is not None
    assert after - before >= 0.15
    assert cpu_seconds(2**22 + 7) is None


def test_meter_reports_per_item_for_readable_processes_only() -> None:
    """Spent CPU is divided by the items; an unknown process is left out, not guessed."""
    meter = CpuMeter({"self": os.getpid(), "gone": None})
    meter.start()
    _spin(0.2)
    meter.stop()
    assert ["self"] == list(meter.spent)
    name, value, unit = meter.per_item(100).split()
    assert ("self", "ms") == (name, unit)
    assert 1.5 <= float(value) <= 5.0


def test_seconds_per_item_is_none_for_a_process_not_read() -> None:
    """Per-item seconds come from what was read; an unread process gives None, not zero."""
    meter = CpuMeter({"self": os.getpid(), "gone": None})
    meter.start()
    _spin(0.1)
    meter.stop()
    per_item = meter.seconds_per_item("self", 10)
    assert per_item is not None and 0.005 <= per_item <= 0.05
    assert meter.seconds_per_item("gone", 10) is None
