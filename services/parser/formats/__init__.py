"""One module per input format; each turns bytes into a :class:`~services.parser.draft.Draft`."""
