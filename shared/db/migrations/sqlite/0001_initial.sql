-- The state as it was before numbered migrations: every table of the fetcher, the record
-- store, the webhook registry and the read index. IF NOT EXISTS throughout, so a data
-- folder made before this file keeps its rows (shared/db/migrate.py adds the two columns
-- such a folder may lack).

-- fetcher: what was handled, and every checkpoint
CREATE TABLE IF NOT EXISTS seen (
    source TEXT NOT NULL,
    upstream_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    queued_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    version TEXT,
    PRIMARY KEY (source, upstream_id)
);
CREATE TABLE IF NOT EXISTS checkpoints (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS tk_dossiers (
    id TEXT PRIMARY KEY,
    entity TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tk_actors (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL,
    entity TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tk_actors_document ON tk_actors (document_id);
CREATE TABLE IF NOT EXISTS tk_letters (
    id TEXT PRIMARY KEY,
    entry TEXT NOT NULL,
    dossier_id TEXT,
    queued_facts TEXT
);
CREATE INDEX IF NOT EXISTS tk_letters_dossier ON tk_letters (dossier_id);
CREATE TABLE IF NOT EXISTS tk_pending (
    id TEXT PRIMARY KEY,
    since TEXT NOT NULL
);

-- publisher: letters, their per-feed records, identity keys and versions
CREATE TABLE IF NOT EXISTS letter_sources (
    feed TEXT NOT NULL,
    upstream_id TEXT NOT NULL,
    letter_id TEXT NOT NULL,
    record_json TEXT NOT NULL,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (feed, upstream_id)
);
CREATE INDEX IF NOT EXISTS letter_sources_letter ON letter_sources (letter_id);
CREATE TABLE IF NOT EXISTS letter_keys (
    key TEXT PRIMARY KEY,
    letter_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS letter_versions (
    letter_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    event_json TEXT NOT NULL,
    announced INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (letter_id, version)
);

-- publisher: webhook endpoints, deliveries, attempts
CREATE TABLE IF NOT EXISTS webhook_endpoints (
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
CREATE TABLE IF NOT EXISTS webhook_deliveries (
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
CREATE TABLE IF NOT EXISTS webhook_events (
    event_id TEXT PRIMARY KEY,
    event_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);
CREATE TABLE IF NOT EXISTS webhook_attempts (
    delivery_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    status_code INTEGER,
    latency_ms REAL NOT NULL,
    response TEXT NOT NULL DEFAULT '',
    error TEXT
);
CREATE INDEX IF NOT EXISTS webhook_attempts_delivery ON webhook_attempts (delivery_id);

-- read API: the index written with each version (full text: FTS5)
CREATE TABLE IF NOT EXISTS read_letters (
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
CREATE INDEX IF NOT EXISTS read_letters_updated ON read_letters (updated_at, letter_id);
CREATE INDEX IF NOT EXISTS read_letters_ministry ON read_letters (ministry, updated_at);
CREATE INDEX IF NOT EXISTS read_letters_dossier ON read_letters (dossier, updated_at);
CREATE TABLE IF NOT EXISTS read_cites (
    dossier TEXT NOT NULL,
    letter_id TEXT NOT NULL,
    PRIMARY KEY (dossier, letter_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS read_cites_letter ON read_cites (letter_id);
CREATE VIRTUAL TABLE IF NOT EXISTS read_text USING fts5(
    letter_id UNINDEXED, title, subject, body, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS read_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
