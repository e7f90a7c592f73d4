"""CPU time of a process, from ``/proc``: a figure that machine noise barely moves.

Throughput on a shared machine moves with whatever else runs; the CPU seconds a process
spent per letter (or per delivery) do not, so each scenario's note gives them beside the
rate, for the system under test, its baseline and the broker.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` so far, or ``None`` if it cannot be read."""
    fields = _stat(pid)
    return None if fields is None else (int(fields[11]) + int(fields[12])) / _TICKS


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU seconds so far of ``pid``, of its children that have exited (and were waited
    for), and of its live children; ``None`` if ``pid`` cannot be read.

    A server that forks a process per connection (PostgreSQL's postmaster and its
    backends) spends its CPU in children that come and go: an exited child's time has
    moved into the parent's ``cutime``/``cstime``, a live one's is still its own, so the
    sum counts each once. A child that exits between the two reads is missed or counted
    twice: a few milliseconds against seconds.
    """
    own = _stat(pid)
    if own is None:
        return None
    total = sum(int(value) for value in own[11:15])
    for child in Path("/proc").iterdir():
        if child.name.isdigit():
            fields = _stat(int(child.name))
            if fields is not None and fields[1] == str(pid):
                total += sum(int(value) for value in fields[11:15])
    return total / _TICKS


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name, or ``None``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the command name (which may hold spaces) are space-separated: state is
    # field 3 of the whole line (index 0 here), ppid 4 (1), utime 14 (11), stime 15 (12),
    # cutime 16 (13) and cstime 17 (14).
    return stat.rsplit(")", 1)[1].split()


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
    """CPU seconds spent by some processes between ``start()`` and ``stop()``.

    ``trees`` are counted with their children (``tree_cpu_seconds``): a database server,
    ``kamerstroom run`` with its parser child. A name in both keeps its place in ``pids``
    and is counted as a tree.
    """

    pids: dict[str, int | None]
    trees: dict[str, int | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._start: dict[str, float | None] = {}
        self.spent: dict[str, float] = {}

    def start(self) -> None:
        self._start = {name: self._read(name) for name, pid in {**self.pids, **self.trees}.items()
                       if pid}

    def stop(self) -> None:
        for name, before in self._start.items():
            after = self._read(name)
            if before is not None and after is not None:
                self.spent[name] = after - before

    def _read(self, name: str) -> float | None:
        if name in self.trees:
            pid = self.trees[name]
            return tree_cpu_seconds(pid) if pid else None
        pid = self.pids[name]
        return cpu_seconds(pid) if pid else None

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
