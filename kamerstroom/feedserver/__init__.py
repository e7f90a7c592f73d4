"""A local server that answers like the official feeds, from recordings (demo and tests)."""

from kamerstroom.feedserver.app import RECORDINGS, FeedServer, create_app

__all__ = ["RECORDINGS", "FeedServer", "create_app"]
