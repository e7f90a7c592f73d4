"""Result rows: ratios, targets and the Markdown table."""

from __future__ import annotations

from bench.results import markdown, measured, unmeasured
from bench.scenarios.latency import percentile


def test_min_ratio_is_met_when_the_ratio_reaches_the_target():
    """A figure at 80 % of its baseline meets a 0.7 ratio target."""
    row = measured("pipeline", 80.0, "letters/s", baseline=100.0, target=0.7, target_kind="min_ratio")
    assert (0.8, True) == (row.ratio, row.met)


def test_min_ratio_without_a_baseline_is_not_met():
    """A ratio target cannot be met when the baseline could not be measured."""
    row = measured("pipeline", 80.0, "letters/s", baseline=None, target=0.7, target_kind="min_ratio")
    assert (None, False) == (row.ratio, row.met)


def test_max_value_is_missed_above_the_target():
    """A p99 of 51 ms misses a 50 ms ceiling."""
    assert measured("latency/p99", 51.0, "ms", target=50, target_kind="max_value").met is False


def test_min_value_is_met_at_the_target():
    """Exactly 200 letters/s meets a 200 letters/s floor."""
    assert measured("parser/kst-xml", 200.0, "letters/s", target=200, target_kind="min_value").met is True


def test_a_row_without_a_target_has_no_verdict():
    """A figure held to nothing has ``met`` None."""
    assert measured("latency/p50", 3.0, "ms").met is None


def test_unmeasured_rows_say_why_and_miss_their_target():
    """An unmeasurable figure is a row with no figure, a reason, and a missed target."""
    row = unmeasured("parser/pdf", "letters/s", "no PDF support", target=30, target_kind="min_value")
    assert (None, False, "not measurable yet: no PDF support") == (row.figure, row.met, row.note)


def test_markdown_has_a_row_per_result():
    """The table lists every scenario under the header."""
    text = markdown([measured("a", 1.0, "x"), unmeasured("b", "y", "later")], "# title")
    assert ["| a |", "| b |"] == [line[:5] for line in text.splitlines() if line.startswith(("| a", "| b"))]


def test_percentile_is_nearest_rank():
    """The 50th and 99th percentiles of 1..100 are 50 and 99."""
    ordered = [float(i) for i in range(1, 101)]
    assert (50.0, 99.0, 100.0) == (percentile(ordered, 50), percentile(ordered, 99), percentile(ordered, 100))
