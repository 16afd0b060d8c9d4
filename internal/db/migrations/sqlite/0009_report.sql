-- Progress reports (issue 4). A report is a unit's account of one task for
-- one period of its plan's cadence, within the body that assigned the task
-- (the plan's body, or a county body that received the task by cascade).
-- kind 'unit' is a lead or responsible unit's own report; 'consolidated'
-- the lead unit's report on the whole task, written from the units'.
-- state is the review workflow (SECURITY.md B5); progress is what the unit
-- says about the work. version guards every change (optimistic
-- concurrency); submit_version is the version a submission was based on,
-- so that the same submission replayed is recognised and not repeated.
CREATE TABLE reports (
    id             INTEGER PRIMARY KEY,
    body_id        BIGINT NOT NULL REFERENCES bodies (id),
    item_id        BIGINT NOT NULL REFERENCES plan_items (id) ON DELETE CASCADE,
    unit_id        BIGINT NOT NULL REFERENCES units (id),
    period         TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('unit', 'consolidated')),
    state          TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'submitted', 'returned', 'accepted')),
    progress       TEXT NOT NULL DEFAULT 'not_started' CHECK (progress IN ('not_started', 'on_track', 'at_risk', 'done')),
    narrative      TEXT NOT NULL DEFAULT '',
    problems       TEXT NOT NULL DEFAULT '',
    return_reason  TEXT NOT NULL DEFAULT '',
    version        BIGINT NOT NULL DEFAULT 1,
    submit_version BIGINT NOT NULL DEFAULT 0,
    revision       BIGINT NOT NULL DEFAULT 0,
    created_by     BIGINT REFERENCES users (id),
    updated_by     BIGINT REFERENCES users (id),
    submitted_by   BIGINT REFERENCES users (id),
    reviewed_by    BIGINT REFERENCES users (id),
    submitted_at   BIGINT NOT NULL DEFAULT 0,
    reviewed_at    BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (body_id, item_id, unit_id, period, kind)
);
CREATE INDEX reports_unit ON reports (unit_id, body_id, period);
CREATE INDEX reports_item ON reports (item_id, period);

-- A report's figure against one target of its task (plan_targets.seq of
-- the item): what was achieved in the period, summed by the roll-up.
CREATE TABLE report_figures (
    id        INTEGER PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    seq       BIGINT NOT NULL,
    value     DOUBLE PRECISION,
    note      TEXT NOT NULL DEFAULT '',
    UNIQUE (report_id, seq)
);

-- Photos (with captions) and other attachments of a report. A file is
-- served only through a report that holds it.
CREATE TABLE report_files (
    id        INTEGER PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    file_id   BIGINT NOT NULL REFERENCES files (id),
    role      TEXT NOT NULL CHECK (role IN ('photo', 'attachment')),
    caption   TEXT NOT NULL DEFAULT '',
    seq       BIGINT NOT NULL,
    UNIQUE (report_id, file_id)
);
CREATE INDEX report_files_file ON report_files (file_id);

-- Every submission of a report as a snapshot of all its fields, and every
-- draft save that lost a race against another save from the same version
-- (kind 'conflict'), kept for its author to take back (SECURITY.md I3).
CREATE TABLE report_revisions (
    id         INTEGER PRIMARY KEY,
    report_id  BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('submitted', 'conflict')),
    revision   BIGINT NOT NULL DEFAULT 0,
    snapshot   TEXT NOT NULL,
    user_id    BIGINT REFERENCES users (id),
    user_name  TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX report_revisions_report ON report_revisions (report_id, id);
