"""``python -m kamerstroom`` is the same as the ``kamerstroom`` command."""

from kamerstroom.cli import program

raise SystemExit(program())
