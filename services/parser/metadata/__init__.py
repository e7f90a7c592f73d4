"""One module per feed record kind; each turns a ``FeedRecord`` into a ``Draft`` to merge."""
