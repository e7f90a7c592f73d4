"""Scenario 3 (parser): letters/s per input format on one core, beside the raw library.

``parse_bytes`` and the baseline each parse the same documents in turn, in this thread,
and are timed by this thread's CPU time (``time.thread_time``): letters per CPU-second
on one core, unaffected by other processes competing for the machine. Each side stops
after N letters or, at the end of a whole round of the inputs, once it has used
``CPU_BUDGET_SECONDS`` (a slow format must not stretch the run to minutes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench import baselines, corpus, formats
from bench.context import Context
from bench.results import Result, TargetKind, measured, unmeasured
from shared.errors import Unprocessable

FORMATS = ("kst-xml", "pdf", "html", "docx", "text")
TARGETS: dict[str, tuple[float, TargetKind]] = {"kst-xml": (200, "min_value"), "pdf": (30, "min_value")}
UNIT = "letters/s"
CPU_BUDGET_SECONDS = 8.0


async def run(ctx: Context) -> list[Result]:
    """One row per format."""
    return [_format(fmt, ctx.sizes.parser_letters) for fmt in FORMATS]


def _inputs(fmt: str, count: int) -> list[bytes]:
    if fmt == "kst-xml":
        return [letter.body for letter in corpus.letters(count)]
    documents = formats.inputs(fmt)
    return [documents[i % len(documents)] for i in range(count)]


def _format(fmt: str, count: int) -> Result:
    from services.parser.parse import parse_bytes

    target, kind = TARGETS.get(fmt, (None, None))
    name = f"parser/{fmt}"
    documents = _inputs(fmt, count)
    try:
        parse_bytes(documents[0], format=fmt)
    except Unprocessable as exc:
        return unmeasured(name, UNIT, f"parse_bytes(format={fmt!r}) refused the benchmark input: {exc}",
                          target=target, target_kind=kind)
    rounds = len(set(documents))
    rate, done = _rate(lambda body: parse_bytes(body, format=fmt), documents, rounds)
    try:
        baseline_fn = baselines.for_format(fmt)
    except baselines.NoBaseline as exc:
        return measured(name, rate, UNIT, target=target, target_kind=kind,
                        note=f"{done} letters; no raw baseline: {exc}")
    baseline, base_done = _rate(baseline_fn, documents, rounds)
    size = sum(map(len, documents)) // len(documents)
    return measured(name, rate, UNIT, baseline=baseline, target=target, target_kind=kind,
                    note=f"{done} letters (baseline {base_done}), {size:,} bytes on average; "
                         "CPU time of one thread")


def _rate(parse: Callable[[bytes], Any], documents: list[bytes], rounds: int) -> tuple[float, int]:
    """Letters per CPU-second over ``documents`` (or fewer, see the module doc); and how many."""
    parse(documents[0])  # warm caches and lazy imports outside the timing
    started = time.thread_time()
    done = 0
    for done, body in enumerate(documents, start=1):
        parse(body)
        if done % rounds == 0 and time.thread_time() - started > CPU_BUDGET_SECONDS:
            break
    return done / max(time.thread_time() - started, 1e-9), done
