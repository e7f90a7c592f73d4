"""The three services: fetcher, parser, publisher. None imports another."""
