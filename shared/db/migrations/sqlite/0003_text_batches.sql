-- The read API's full text (FTS5) is written in batches, not in every version's
-- transaction: each FTS5 commit writes a new segment, and one per letter was a
-- publisher's largest cost (services/publisher/read/index.py). A version's text waits
-- here, keyed like read_text by its read_letters rowid, until the next batch or the next
-- text search, which applies what waits first. A NULL body removes the letter's text.
CREATE TABLE read_text_pending (
    rowid INTEGER PRIMARY KEY,
    letter_id TEXT NOT NULL,
    title TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT
);
