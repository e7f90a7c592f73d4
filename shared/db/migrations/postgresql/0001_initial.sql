-- Every table of the fetcher, the record store, the webhook registry and the read index,
-- as in the SQLite schema of the same number. Differences: the read index's full text is
-- a tsvector with a GIN index instead of FTS5, bytes are BYTEA, latencies double precision.
-- Times are ISO 8601 text in UTC written by the code (as in SQLite), so both backends
-- order, compare and show them the same way.

-- fetcher: what was handled, and every checkpoint
CREATE TABLE seen (
    source TEXT NOT NULL,
    upstream_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    version TEXT,
    PRIMARY KEY (source, upstream_id)
);
CREATE TABLE checkpoints (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE tk_dossiers (
    id TEXT PRIMARY KEY,
    entity TEXT NOT NULL
);
CREATE TABLE tk_actors (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL,
    entity TEXT NOT NULL
);
CREATE INDEX tk_actors_document ON tk_actors (document_id);
CREATE TABLE tk_letters (
    id TEXT PRIMARY KEY,
    entry TEXT NOT NULL,
    dossier_id TEXT,
    queued_facts TEXT
);
CREATE INDEX tk_letters_dossier ON tk_letters (dossier_id);
CREATE TABLE tk_pending (
    id TEXT PRIMARY KEY,
    since TEXT NOT NULL
);

-- publisher: letters, their per-feed records, identity keys and versions
CREATE TABLE letter_sources (
    feed TEXT NOT NULL,
    upstream_id TEXT NOT NULL,
    letter_id TEXT NOT NULL,
    record_json TEXT NOT NULL,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (feed, upstream_id)
);
CREATE INDEX letter_sources_letter ON letter_sources (letter_id);
CREATE TABLE letter_keys (
    key TEXT PRIMARY KEY,
    letter_id TEXT NOT NULL
);
CREATE TABLE letter_versions (
    letter_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    event_json TEXT NOT NULL,
    announced INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    PRIMARY KEY (letter_id, version)
);

-- publisher: webhook endpoints, deliveries, attempts
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    filter_json TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT,
    created_at TEXT NOT NULL,
    last_success_at TEXT,
    failing_since TEXT
);
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    event_json TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    queued INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE webhook_events (
    event_id TEXT PRIMARY KEY,
    event_json TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
CREATE TABLE webhook_attempts (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    status_code INTEGER,
    latency_ms DOUBLE PRECISION NOT NULL,
    response TEXT NOT NULL DEFAULT '',
    error TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);

-- read API: the index written with each version (full text: tsvector, diacritics folded by the code)
CREATE TABLE read_letters (
    letter_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    ministry TEXT,
    ministry_name TEXT,
    dossier TEXT,
    chamber TEXT,
    first_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    summary_json TEXT NOT NULL
);
CREATE INDEX read_letters_updated ON read_letters (updated_at, letter_id);
CREATE INDEX read_letters_ministry ON read_letters (ministry, updated_at);
CREATE INDEX read_letters_dossier ON read_letters (dossier, updated_at);
CREATE TABLE read_cites (
    dossier TEXT NOT NULL,
    letter_id TEXT NOT NULL,
    PRIMARY KEY (dossier, letter_id)
);
CREATE INDEX read_cites_letter ON read_cites (letter_id);
CREATE TABLE read_text (
    letter_id TEXT PRIMARY KEY,
    document tsvector NOT NULL
);
CREATE INDEX read_text_document ON read_text USING GIN (document);
CREATE TABLE read_meta (name TEXT PRIMARY KEY, value BYTEA NOT NULL);
