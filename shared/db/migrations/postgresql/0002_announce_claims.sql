-- Publishers sharing one database: a stored version is claimed by the replica that made it
-- until claimed_until, so another replica's start-up recovery does not announce it as
-- well while the first is still doing so (services/publisher/records.py). NULL: unclaimed
-- (every version stored before this migration).
ALTER TABLE letter_versions ADD COLUMN claimed_until TEXT;
