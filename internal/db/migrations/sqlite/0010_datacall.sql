-- Data calls (材料征集, issue 4). A call belongs to one body and is run by
-- its office: what to submit (items), who must submit (addressees, one row
-- each, resolved when the call is saved), by when. Items and addressees are
-- fixed once the call is open, so that every submission answers the same
-- questions; title, deadline, contact and reminders may still change.
CREATE TABLE calls (
    id             INTEGER PRIMARY KEY,
    body_id        BIGINT NOT NULL REFERENCES bodies (id),
    title          TEXT NOT NULL,
    notice_number  TEXT NOT NULL DEFAULT '',
    notice_title   TEXT NOT NULL DEFAULT '',
    instructions   TEXT NOT NULL DEFAULT '',
    deadline       BIGINT NOT NULL,
    late_allowed   BOOLEAN NOT NULL DEFAULT FALSE,
    contact_name   TEXT NOT NULL DEFAULT '',
    contact_phone  TEXT NOT NULL DEFAULT '',
    contact_email  TEXT NOT NULL DEFAULT '',
    reminders      TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    opened_at      BIGINT NOT NULL DEFAULT 0,
    closed_at      BIGINT NOT NULL DEFAULT 0,
    version        BIGINT NOT NULL DEFAULT 1,
    created_by     BIGINT REFERENCES users (id),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX calls_body ON calls (body_id, status, deadline);

-- What a call asks for, in order: one document, photos with captions
-- (min_count..max_count; jpeg_only when the notice asks for JPG), or a
-- form whose typed fields are kept as JSON.
CREATE TABLE call_items (
    id               INTEGER PRIMARY KEY,
    call_id          BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    seq              BIGINT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('document', 'photos', 'form')),
    label            TEXT NOT NULL,
    hint             TEXT NOT NULL DEFAULT '',
    required         BOOLEAN NOT NULL DEFAULT TRUE,
    min_count        BIGINT NOT NULL DEFAULT 0,
    max_count        BIGINT NOT NULL DEFAULT 0,
    jpeg_only        BOOLEAN NOT NULL DEFAULT FALSE,
    caption_required BOOLEAN NOT NULL DEFAULT FALSE,
    fields_json      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX call_items_call ON call_items (call_id, seq);

-- Who must submit: a member unit of the call's body (kind 'unit', body_id
-- is the call's body) or a subordinate body's office (kind 'office',
-- body_id is the subordinate body). akey ("u:<unit>", "o:<body>") keeps
-- each addressee once per call.
CREATE TABLE call_addressees (
    id        INTEGER PRIMARY KEY,
    call_id   BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    akey      TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('unit', 'office')),
    body_id   BIGINT NOT NULL REFERENCES bodies (id),
    unit_id   BIGINT REFERENCES units (id),
    name      TEXT NOT NULL,
    seq       BIGINT NOT NULL DEFAULT 0,
    UNIQUE (call_id, akey)
);
CREATE INDEX call_addressees_unit ON call_addressees (unit_id);
CREATE INDEX call_addressees_body ON call_addressees (body_id, kind);

-- One submission per addressee. revision counts the times it was
-- submitted; token is the idempotency token of the last submit, so the
-- same form posted twice changes nothing the second time. version guards
-- drafts edited by two people (SECURITY.md I3).
CREATE TABLE call_submissions (
    id            INTEGER PRIMARY KEY,
    call_id       BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    addressee_id  BIGINT NOT NULL UNIQUE REFERENCES call_addressees (id) ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'accepted', 'returned')),
    revision      BIGINT NOT NULL DEFAULT 0,
    late          BOOLEAN NOT NULL DEFAULT FALSE,
    answers_json  TEXT NOT NULL DEFAULT '{}',
    token         TEXT NOT NULL DEFAULT '',
    submitted_at  BIGINT NOT NULL DEFAULT 0,
    submitted_by  BIGINT REFERENCES users (id),
    reviewed_at   BIGINT NOT NULL DEFAULT 0,
    reviewed_by   BIGINT REFERENCES users (id),
    return_reason TEXT NOT NULL DEFAULT '',
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX call_submissions_call ON call_submissions (call_id, status);

-- The files of a submission, per item in order, with the photo caption
-- and the type the upload had before the file store re-encoded it (a PNG
-- is stored as JPEG; a JPG-only item checks this).
CREATE TABLE call_submission_files (
    id            INTEGER PRIMARY KEY,
    submission_id BIGINT NOT NULL REFERENCES call_submissions (id) ON DELETE CASCADE,
    item_id       BIGINT NOT NULL REFERENCES call_items (id) ON DELETE CASCADE,
    seq           BIGINT NOT NULL,
    file_id       BIGINT NOT NULL REFERENCES files (id),
    caption       TEXT NOT NULL DEFAULT '',
    source_type   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX call_submission_files_sub ON call_submission_files (submission_id, item_id, seq);

-- The upload type of files uploaded for a call before their submission
-- references them (see source_type above), by the user who uploaded.
CREATE TABLE call_uploads (
    file_id     BIGINT NOT NULL PRIMARY KEY REFERENCES files (id),
    source_type TEXT NOT NULL
);
