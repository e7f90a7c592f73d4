"""The real-letter corpus: every real document we hold, each with fields read from the print."""
