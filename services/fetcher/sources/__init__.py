"""One module per official feed, all implementing ``sources.base.Source``."""
