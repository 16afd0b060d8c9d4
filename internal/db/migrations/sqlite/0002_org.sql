-- Organisation registry, version 2: optimistic locking for regions and
-- duties, the two registry tables 0001 left without a version column. An
-- edit carries the version the user saw; a stale one is refused (409)
-- instead of silently overwriting someone else's change (SECURITY.md I3).
ALTER TABLE regions ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE duties ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
