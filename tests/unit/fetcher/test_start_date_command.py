"""``kamerstroom feeds start-date``: moving back is described, refused, then done on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest

from kamerstroom.cli import main
from services.fetcher.start import start_date_key
from services.fetcher.store import FetcherStore


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder where the tweedekamer source started on 2026-11-28 and got to 120."""
    monkeypatch.setenv("KAMERSTROOM_DATA_DIR", str(tmp_path))
    store = FetcherStore(tmp_path / "kamerstroom.sqlite3")
    store.set_checkpoint(start_date_key("tweedekamer"), "2026-11-28")
    store.set_checkpoint("tweedekamer", "120")
    store.close()
    return tmp_path


def stored(data_dir: Path, key: str) -> str | None:
    store = FetcherStore(data_dir / "kamerstroom.sqlite3")
    try:
        return store.checkpoint(key)
    finally:
        store.close()


def test_moving_back_without_yes_says_what_it_would_do_and_changes_nothing(
        data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 1, a sentence on what would be re-announced, and the state untouched."""
    assert 1 == main(["feeds", "start-date", "--source", "tweedekamer", "--set", "2025-01-01"])
    out = capsys.readouterr().out
    assert "would move tweedekamer: start date 2026-11-28 -> 2025-01-01" in out
    assert "announced as new" in out and "--yes" in out
    assert "2026-11-28" == stored(data_dir, start_date_key("tweedekamer"))
    assert "120" == stored(data_dir, "tweedekamer")


def test_moving_back_with_yes_moves_it_and_drops_the_checkpoint(
        data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 0, the earlier day stored and the live checkpoint gone."""
    assert 0 == main(["feeds", "start-date", "--source", "tweedekamer", "--set", "2025-01-01",
                      "--yes"])
    assert "moved tweedekamer" in capsys.readouterr().out
    assert "2025-01-01" == stored(data_dir, start_date_key("tweedekamer"))
    assert None is stored(data_dir, "tweedekamer")


def test_without_set_it_shows_each_source(data_dir: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """The listing names the stored day and the checkpoints."""
    assert 0 == main(["feeds", "start-date", "--source", "tweedekamer"])
    assert "tweedekamer: start date 2026-11-28; checkpoints {'tweedekamer': '120'}" in \
        capsys.readouterr().out
