"""One module per field concept: dates, ministries, references, signatories, body, ..."""
