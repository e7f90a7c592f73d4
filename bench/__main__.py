"""``python -m bench [--quick] [--only NAME ...] [--out DIR]``; exit 0 once results are written."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from bench import harness, sut
from bench.results import Result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small counts: proves the harness (<1 min)")
    parser.add_argument("--only", nargs="+", default=[], metavar="NAME",
                        help=f"run only these scenarios ({', '.join(harness.SCENARIOS)})")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for latest.json/.md (default bench/results, quick: bench/results/quick)")
    parser.add_argument("--label", default="", help="a line for the results' header")
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR",
                        help="sample each system under test with py-spy into DIR (collapsed stacks)")
    args = parser.parse_args(argv)
    sut.profile_into(args.profile)
    if args.out is None:
        args.out = harness.QUICK_RESULTS if args.quick else harness.RESULTS
    try:
        results = asyncio.run(_until_signal(harness.run(args.only, quick=args.quick, out=args.out,
                                                        label=args.label)))
    except ValueError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    except asyncio.CancelledError:
        print("bench: interrupted; namespaces and helper processes were cleaned up", file=sys.stderr)
        return 130
    missed = [r.scenario for r in results if r.met is False]
    print(f"bench: wrote {args.out}/latest.json and latest.md; "
          f"{len(results)} figures, targets missed: {', '.join(missed) or 'none'}")
    return 0


async def _until_signal(run: Coroutine[Any, Any, list[Result]]) -> list[Result]:
    """Run ``run``; SIGTERM or SIGINT cancels it, so every namespace and helper is cleaned up."""
    task = asyncio.ensure_future(run)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    return await task


if __name__ == "__main__":
    sys.exit(main())
