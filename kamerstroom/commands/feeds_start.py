"""``kamerstroom feeds start-date [--source NAME] [--set YYYY-MM-DD [--yes]]``.

Without ``--set``: prints each source's stored start date and live checkpoints. With
``--set`` a later day is stored at once; an earlier day (moving back, which announces old
letters as news) is only described, and done with ``--yes``. It edits the state in
``KAMERSTROOM_DATA_DIR``: stop the fetcher first, the change takes effect when it starts.
"""

from __future__ import annotations

import argparse
from datetime import date

from kamerstroom.commands.dates import iso_day
from services.fetcher.start import move_start, stored_start
from services.fetcher.store import FetcherStore
from shared.config import SOURCE_NAMES, load_settings


def add_parser(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``feeds start-date`` to the ``feeds`` actions."""
    parser = actions.add_parser("start-date", help="show, or move on purpose, the day from which "
                                "live polling announces letters")
    parser.add_argument("--source", choices=(*SOURCE_NAMES, "all"), default="all")
    parser.add_argument("--set", dest="day", type=iso_day, metavar="YYYY-MM-DD")
    parser.add_argument("--yes", action="store_true",
                        help="really move the start date back (re-announces older letters)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Show or move; exit 1 when a move back was asked for without ``--yes`` (nothing done)."""
    settings = load_settings()
    settings.check_data_dir()
    names = list(settings.sources) if args.source == "all" else [args.source]
    store = FetcherStore(settings.database)
    try:
        if args.day is None:
            for name in names:
                state = stored_start(store, name)
                print(f"{name}: start date {state.stored or 'unset (the day of the first run)'}; "
                      f"checkpoints {state.checkpoints or 'none'}")
            return 0
        return _move(store, names, args.day, args.yes)
    finally:
        store.close()


def _move(store: FetcherStore, names: list[str], day: date, confirmed: bool) -> int:
    states = [stored_start(store, name) for name in names]
    backwards = [s for s in states if s.stored is not None and day < s.stored]
    if backwards and not confirmed:
        for state in backwards:
            print("would move " + state.describe_move(day))
        print(f"refused: moving a start date back re-announces letters. Re-run with --yes to "
              f"move {', '.join(s.source for s in backwards)} back to {day}.")
        return 1
    for state in states:
        print("moved " + state.describe_move(day))
        move_start(store, state.source, day)
    return 0
