-- Requests held when their session had expired (SECURITY.md I10): a form
-- posted after the idle or absolute timeout is kept, encrypted, for the
-- user of the expired session, and offered again after the next login.
-- Nothing in a held request is committed before that user submits it.
CREATE TABLE held_requests (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    sealed       BLOB NOT NULL,
    size         BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX held_requests_user ON held_requests (user_id, created_at);
CREATE INDEX held_requests_expires ON held_requests (expires_at);

-- Sessions that ended by a timeout, kept as long as a request held for
-- them may be: only the token's hash, its user and the hash of its form
-- token, enough to tell whose a late form is and that it was really
-- posted from that session's page. A tombstone cannot be resumed.
CREATE TABLE session_ends (
    token_hash  TEXT NOT NULL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_hash   TEXT NOT NULL,
    ended_at    BIGINT NOT NULL
);
CREATE INDEX session_ends_ended ON session_ends (ended_at);
