-- Publishers sharing one database.
--
-- A stored version is claimed by the replica that made it until claimed_until, so another
-- replica's start-up recovery does not announce it as well while the first is still
-- doing so (services/publisher/records.py). NULL: unclaimed (versions stored before).
ALTER TABLE letter_versions ADD COLUMN claimed_until TEXT;

-- A delivery written for a first attempt but never handed to the queue (queued = 0) is
-- an orphan once it is older than the claim time: a replica that died wrote it. Another
-- replica's sweep claims it (claimed_until) before queueing it, so two sweeps never both
-- do (services/publisher/webhooks/registry.py).
ALTER TABLE webhook_deliveries ADD COLUMN claimed_until TEXT;

-- Every change to the endpoints bumps endpoints_version, so each replica's cache of the
-- enabled endpoints notices a change made through another replica's admin API
-- (services/publisher/webhooks/registry.py).
CREATE TABLE webhook_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO webhook_meta (name, value) VALUES ('endpoints_version', 0);
