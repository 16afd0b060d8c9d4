-- Liandong schema, version 1: platform (accounts, sessions, settings, audit)
-- and the organisation registry. Instants are Unix seconds (UTC) in BIGINT;
-- calendar dates are 'YYYY-MM-DD' text, compared as text.

CREATE TABLE settings (
    key         TEXT NOT NULL PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  BIGINT
);

-- Regions by GB/T 2260 code.
CREATE TABLE regions (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE CHECK (length(code) = 6),
    name        TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('province', 'city', 'county')),
    parent_id   BIGINT REFERENCES regions (id)
);
CREATE INDEX regions_parent ON regions (parent_id);

-- Units: agencies, organisations, lower-level governments.
CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    region_id   BIGINT NOT NULL REFERENCES regions (id),
    name        TEXT NOT NULL,
    short_name  TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL CHECK (kind IN ('party', 'government', 'people_org', 'institution', 'university', 'lower_government', 'other')),
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (region_id, name)
);
CREATE INDEX units_name ON units (name);

-- Other names a unit is written as (市科技局 for 柳州市科学技术局).
CREATE TABLE unit_aliases (
    id          INTEGER PRIMARY KEY,
    unit_id     BIGINT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    alias       TEXT NOT NULL,
    UNIQUE (unit_id, alias)
);
CREATE INDEX unit_aliases_alias ON unit_aliases (alias);

-- Bodies: a leading group or joint conference of one region.
CREATE TABLE bodies (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('leading_group', 'joint_conference')),
    name            TEXT NOT NULL,
    region_id       BIGINT NOT NULL REFERENCES regions (id),
    office_unit_id  BIGINT REFERENCES units (id),
    office_dept     TEXT NOT NULL DEFAULT '',
    doc_prefix      TEXT NOT NULL DEFAULT '',
    parent_id       BIGINT REFERENCES bodies (id),
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (region_id, kind)
);
CREATE INDEX bodies_parent ON bodies (parent_id);

-- A unit's membership of a body, with dates. A unit is a member of one body
-- at most once at a time.
CREATE TABLE member_units (
    id          INTEGER PRIMARY KEY,
    body_id     BIGINT NOT NULL REFERENCES bodies (id),
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    joined_on   TEXT NOT NULL,
    left_on     TEXT,
    sort_order  BIGINT NOT NULL DEFAULT 0,
    CHECK (left_on IS NULL OR left_on >= joined_on)
);
CREATE UNIQUE INDEX member_units_current ON member_units (body_id, unit_id) WHERE left_on IS NULL;
CREATE INDEX member_units_unit ON member_units (unit_id);

-- Seats: the people holding leader, deputy leader, member and office
-- director posts. Replacing a person ends one row and starts another, so the
-- body as it stood on any date can be shown.
CREATE TABLE members (
    id          INTEGER PRIMARY KEY,
    body_id     BIGINT NOT NULL REFERENCES bodies (id),
    role        TEXT NOT NULL CHECK (role IN ('leader', 'deputy_leader', 'member', 'office_director')),
    person_name TEXT NOT NULL,
    position    TEXT NOT NULL DEFAULT '',
    unit_id     BIGINT REFERENCES units (id),
    term_start  TEXT NOT NULL,
    term_end    TEXT,
    replaces_id BIGINT REFERENCES members (id),
    sort_order  BIGINT NOT NULL DEFAULT 0,
    version     BIGINT NOT NULL DEFAULT 1,
    CHECK (term_end IS NULL OR term_end >= term_start)
);
CREATE INDEX members_body ON members (body_id, term_start);

-- Liaisons of member units.
CREATE TABLE liaisons (
    id          INTEGER PRIMARY KEY,
    body_id     BIGINT NOT NULL REFERENCES bodies (id),
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    name        TEXT NOT NULL,
    post        TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX liaisons_body_unit ON liaisons (body_id, unit_id);

-- Numbered duty lists: common duties, office duties, liaison duties, and
-- each member unit's specific duties.
CREATE TABLE duties (
    id          INTEGER PRIMARY KEY,
    body_id     BIGINT NOT NULL REFERENCES bodies (id),
    scope       TEXT NOT NULL CHECK (scope IN ('common', 'office', 'liaison', 'unit')),
    unit_id     BIGINT REFERENCES units (id),
    seq         BIGINT NOT NULL,
    text        TEXT NOT NULL,
    CHECK ((scope = 'unit') = (unit_id IS NOT NULL))
);
CREATE INDEX duties_body ON duties (body_id, scope, unit_id, seq);

-- Accounts. A user belongs to one unit and acts within one or more bodies.
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    role                TEXT NOT NULL,
    unit_id             BIGINT REFERENCES units (id),
    phone               TEXT NOT NULL DEFAULT '',
    email               TEXT NOT NULL DEFAULT '',
    password_hash       TEXT NOT NULL,
    password_changed_at BIGINT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    demo                BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins       BIGINT NOT NULL DEFAULT 0,
    first_failed_at     BIGINT NOT NULL DEFAULT 0,
    locked_until        BIGINT NOT NULL DEFAULT 0,
    last_login_at       BIGINT NOT NULL DEFAULT 0,
    totp_secret         TEXT NOT NULL DEFAULT '',
    totp_last_step      BIGINT NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);

CREATE TABLE user_bodies (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body_id     BIGINT NOT NULL REFERENCES bodies (id),
    PRIMARY KEY (user_id, body_id)
);

-- Earlier password hashes, so the last few cannot be reused.
CREATE TABLE password_history (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, id);

-- Server-side sessions, shared by every instance. Only the SHA-256 of the
-- token is stored.
CREATE TABLE sessions (
    token_hash  TEXT NOT NULL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    mfa_done    BOOLEAN NOT NULL DEFAULT FALSE,
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- API tokens for scripts and other systems (Authorization: Bearer).
CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0,
    revoked     BOOLEAN NOT NULL DEFAULT FALSE
);

-- The audit log: append-only (triggers below) and hash-chained.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    BIGINT,
    actor_name  TEXT NOT NULL DEFAULT '',
    actor_role  TEXT NOT NULL DEFAULT '',
    actor_unit_id BIGINT,
    ip          TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id   TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    before_json TEXT NOT NULL DEFAULT '',
    after_json  TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);

-- Nothing in the product edits or deletes audit rows (SECURITY.md C4).
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
