"""The parser: turns each raw document into one canonical ``Kamerbrief``.

The document logic's surface is :func:`services.parser.parse.parse_raw` (for the pipeline)
and :func:`services.parser.parse.parse_bytes` (for the command line).
"""

from services.parser.main import build

__all__ = ["build"]
