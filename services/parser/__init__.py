"""The parser: turns each raw document into one canonical ``Kamerbrief``."""

from services.parser.main import build

__all__ = ["build"]
