-- SQLite's full text is written in batches from 0003 on (read_text_pending); PostgreSQL's
-- tsvector stays in every version's transaction, where a GIN insert is cheap. This
-- migration keeps both backends at the same schema version (migrate-from-sqlite checks it).
COMMENT ON TABLE read_text IS 'one tsvector per letter, written with its version (services/publisher/read/index.py)';
