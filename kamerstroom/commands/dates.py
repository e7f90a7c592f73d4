"""Argument types shared by commands."""

from __future__ import annotations

import argparse
from datetime import date


def iso_day(text: str) -> date:
    """A ``YYYY-MM-DD`` argument, or argparse's usage error naming the value."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
