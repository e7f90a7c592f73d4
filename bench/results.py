"""One measured figure per row, and the two files a run writes (JSON and a Markdown table)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

TargetKind = Literal["min_ratio", "min_value", "max_value"]


@dataclass(frozen=True)
class Result:
    """A figure beside its same-run baseline, with the target it is held to.

    ``figure`` is ``None`` when the scenario could not be measured (``note`` says why);
    ``met`` is then ``False`` when a target exists. Rows without a target have
    ``target``/``target_kind``/``met`` set to ``None``.
    """

    scenario: str
    figure: float | None
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    target: float | None = None
    target_kind: TargetKind | None = None
    met: bool | None = None
    note: str = ""


def measured(scenario: str, figure: float, unit: str, *, baseline: float | None = None,
             target: float | None = None, target_kind: TargetKind | None = None,
             note: str = "") -> Result:
    """A row for a figure that was measured; ratio and ``met`` are derived here, once."""
    ratio = figure / baseline if baseline else None
    return Result(scenario, round(figure, 3), unit,
                  round(baseline, 3) if baseline is not None else None,
                  round(ratio, 3) if ratio is not None else None,
                  target, target_kind, _met(figure, ratio, target, target_kind), note)


def unmeasured(scenario: str, unit: str, reason: str, *, target: float | None = None,
               target_kind: TargetKind | None = None) -> Result:
    """A row for a figure that could not be measured: it never meets its target."""
    return Result(scenario, None, unit, None, None, target, target_kind,
                  False if target_kind else None, f"not measurable yet: {reason}")


def _met(figure: float, ratio: float | None, target: float | None,
         kind: TargetKind | None) -> bool | None:
    if target is None or kind is None:
        return None
    if kind == "min_ratio":
        return ratio is not None and ratio >= target
    if kind == "min_value":
        return figure >= target
    return figure <= target


def write(results: Sequence[Result], folder: Path, header: str) -> tuple[Path, Path]:
    """Write ``latest.json`` and ``latest.md`` into ``folder``; return both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path, md_path = folder / "latest.json", folder / "latest.md"
    json_path.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    md_path.write_text(markdown(results, header))
    return json_path, md_path


def markdown(results: Sequence[Result], header: str) -> str:
    """The results as a Markdown table under ``header``."""
    lines = [header, "", "| scenario | figure | unit | baseline | ratio | target | met | note |",
             "|---|---:|---|---:|---:|---|---|---|"]
    for r in results:
        target = "" if r.target is None else f"{_TARGET_SIGN[r.target_kind or 'min_value']} {r.target:g}"
        if r.target_kind == "min_ratio":
            target += " × baseline"
        met = {True: "yes", False: "**no**", None: ""}[r.met]
        lines.append(f"| {r.scenario} | {_fmt(r.figure)} | {r.unit} | {_fmt(r.baseline)} | "
                     f"{_fmt(r.ratio)} | {target} | {met} | {r.note} |")
    return "\n".join(lines) + "\n"


_TARGET_SIGN = {"min_ratio": "≥", "min_value": "≥", "max_value": "≤"}


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
