"""CPU time of a process, from ``/proc``: a figure that machine noise barely moves.

Throughput on a shared machine moves with whatever else runs; the CPU seconds a process
spent per letter (or per delivery) do not, so each scenario's note gives them beside the
rate, for the system under test, its baseline and the broker.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` so far, or ``None`` if it cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the command name (which may hold spaces) are space-separated; utime
    # and stime are fields 14 and 15 of the whole line.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def broker_pid() -> int | None:
    """The RabbitMQ node's Erlang VM on this machine, if there is exactly one."""
    found = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _is_beam(p)]
    return found[0] if len(found) == 1 else None


def _is_beam(proc: Path) -> bool:
    try:
        return (proc / "comm").read_text().strip() == "beam.smp"
    except OSError:
        return False


@dataclass
class CpuMeter:
    """CPU seconds spent by some processes between ``start()`` and ``stop()``."""

    pids: dict[str, int | None]

    def __post_init__(self) -> None:
        self._start: dict[str, float | None] = {}
        self.spent: dict[str, float] = {}

    def start(self) -> None:
        self._start = {name: cpu_seconds(pid) for name, pid in self.pids.items() if pid}

    def stop(self) -> None:
        for name, before in self._start.items():
            pid = self.pids[name]
            after = cpu_seconds(pid) if pid else None
            if before is not None and after is not None:
                self.spent[name] = after - before

    def seconds_per_item(self, name: str, items: int) -> float | None:
        """CPU seconds ``name`` spent per item, ``None`` if it was not readable."""
        spent = self.spent.get(name)
        return spent / items if spent is not None and items else None

    def per_item(self, items: int, unit: str = "ms") -> str:
        """``"kamerstroom 2.61 ms, broker 0.80 ms"`` per item, for a result's note.

        ``/proc`` counts in clock ticks (10 ms here): over a run of seconds that is a few
        per cent, over the quarter second of the 1 x 1,000 webhook burst it is coarse.
        """
        scale, digits = (1000.0, 2) if unit == "ms" else (1_000_000.0, 0)
        return ", ".join(f"{name} {spent / items * scale:.{digits}f} {unit}"
                         for name, spent in self.spent.items()) or "not readable"
