-- Uploaded files (issue 4). A row is written only after the bytes are
-- durably stored under storage_key (SECURITY.md I4); bytes without a row
-- are orphans that the sweeper removes after a grace period. name is the
-- uploader's file name, kept for display and download names only.
CREATE TABLE files (
    id           INTEGER PRIMARY KEY,
    storage_key  TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('photo', 'document')),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    width        BIGINT NOT NULL DEFAULT 0,
    height       BIGINT NOT NULL DEFAULT 0,
    thumb_key    TEXT NOT NULL DEFAULT '',
    thumb_sha256 TEXT NOT NULL DEFAULT '',
    unit_id      BIGINT REFERENCES units (id),
    created_by   BIGINT REFERENCES users (id),
    created_at   BIGINT NOT NULL
);
CREATE INDEX files_created_by ON files (created_by, created_at);

-- The bytes of files when they are kept in the database (the "db" store),
-- so that several instances can share PostgreSQL alone.
CREATE TABLE file_blobs (
    storage_key TEXT NOT NULL PRIMARY KEY,
    data        BLOB NOT NULL,
    created_at  BIGINT NOT NULL
);
