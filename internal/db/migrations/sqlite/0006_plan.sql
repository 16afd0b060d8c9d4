-- Plans and tasks (issue 3). A plan belongs to one body; its items form a
-- tree (sections, actions, projects, tasks) in document order; each item
-- assigns lead and responsible units of the body, and may cascade to every
-- body one level down ("各县〔市〕政府"), where the receiving office assigns it
-- to units of its own. Annual key points and a member unit's work plan are
-- plans too, whose items point back at the tasks they carry over or serve.

CREATE TABLE plans (
    id              INTEGER PRIMARY KEY,
    body_id         BIGINT NOT NULL REFERENCES bodies (id),
    kind            TEXT NOT NULL CHECK (kind IN ('outline', 'implementation', 'annual_keypoints', 'action', 'unit_work_plan')),
    title           TEXT NOT NULL,
    doc_number      TEXT NOT NULL DEFAULT '',
    year_from       BIGINT NOT NULL,
    year_to         BIGINT NOT NULL,
    parent_id       BIGINT REFERENCES plans (id),
    unit_id         BIGINT REFERENCES units (id),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    cadence         TEXT NOT NULL DEFAULT 'quarterly' CHECK (cadence IN ('monthly', 'quarterly', 'half_yearly', 'yearly')),
    source_name     TEXT NOT NULL DEFAULT '',
    source_text     TEXT NOT NULL DEFAULT '',
    revision        BIGINT NOT NULL DEFAULT 0,
    published_at    BIGINT NOT NULL DEFAULT 0,
    version         BIGINT NOT NULL DEFAULT 1,
    created_by      BIGINT REFERENCES users (id),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CHECK (year_from <= year_to)
);
CREATE INDEX plans_body ON plans (body_id, status);
CREATE INDEX plans_parent ON plans (parent_id);

-- Phases of a plan's period (动员部署, 组织实施, 总结评估) with their milestone.
CREATE TABLE plan_phases (
    id          INTEGER PRIMARY KEY,
    plan_id     BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    name        TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    milestone   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX plan_phases_plan ON plan_phases (plan_id, seq);

-- Headline goals: metric, comparator, value, unit, year (公民具备科学素质的比例
-- 2025年达到11%), and the values measured per region and year.
CREATE TABLE plan_goals (
    id          INTEGER PRIMARY KEY,
    plan_id     BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    text        TEXT NOT NULL,
    metric      TEXT NOT NULL,
    comparator  TEXT NOT NULL CHECK (comparator IN ('>=', '>', '<=', '<', '=')),
    value       DOUBLE PRECISION NOT NULL,
    unit        TEXT NOT NULL DEFAULT '',
    year        BIGINT NOT NULL
);
CREATE INDEX plan_goals_plan ON plan_goals (plan_id, seq);

CREATE TABLE goal_measures (
    id          INTEGER PRIMARY KEY,
    goal_id     BIGINT NOT NULL REFERENCES plan_goals (id) ON DELETE CASCADE,
    region_id   BIGINT NOT NULL REFERENCES regions (id),
    year        BIGINT NOT NULL,
    value       DOUBLE PRECISION NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT REFERENCES users (id),
    recorded_at BIGINT NOT NULL,
    UNIQUE (goal_id, region_id, year)
);

-- The plan tree. seq is the document order within the plan; path is the
-- numbering as written from the top ("二、(一)1."). The window is the
-- schedule read into dates ('' when the text names none).
CREATE TABLE plan_items (
    id              INTEGER PRIMARY KEY,
    plan_id         BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    parent_id       BIGINT REFERENCES plan_items (id),
    seq             BIGINT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('section', 'action', 'project', 'task')),
    marker          TEXT NOT NULL DEFAULT '',
    path            TEXT NOT NULL DEFAULT '',
    title           TEXT NOT NULL,
    content         TEXT NOT NULL DEFAULT '',
    schedule        TEXT NOT NULL DEFAULT '',
    window_from     TEXT NOT NULL DEFAULT '',
    window_to       TEXT NOT NULL DEFAULT '',
    audience        TEXT NOT NULL DEFAULT '',
    source_line     BIGINT NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'cancelled')),
    status_reason   TEXT NOT NULL DEFAULT '',
    carried_from_id BIGINT REFERENCES plan_items (id),
    serves_item_id  BIGINT REFERENCES plan_items (id),
    version         BIGINT NOT NULL DEFAULT 1,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX plan_items_plan ON plan_items (plan_id, seq);
CREATE INDEX plan_items_parent ON plan_items (parent_id);
CREATE INDEX plan_items_serves ON plan_items (serves_item_id);

-- Quantitative targets of an item, as written and read (每年培训100名科技辅导员).
CREATE TABLE plan_targets (
    id          INTEGER PRIMARY KEY,
    item_id     BIGINT NOT NULL REFERENCES plan_items (id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    text        TEXT NOT NULL,
    metric      TEXT NOT NULL DEFAULT '',
    comparator  TEXT NOT NULL DEFAULT '',
    value       DOUBLE PRECISION NOT NULL DEFAULT 0,
    unit        TEXT NOT NULL DEFAULT '',
    period      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX plan_targets_item ON plan_targets (item_id, seq);

-- Who carries an item: a unit of a body, as lead (牵头) or responsible
-- (责任). body_id is the plan's body, or a subordinate body that received
-- the item by cascade and assigned it to its own units. written_as keeps the
-- name the document used (市科技局, 领导小组各成员单位).
CREATE TABLE assignments (
    id          INTEGER PRIMARY KEY,
    item_id     BIGINT NOT NULL REFERENCES plan_items (id) ON DELETE CASCADE,
    body_id     BIGINT NOT NULL REFERENCES bodies (id),
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    role        TEXT NOT NULL CHECK (role IN ('lead', 'responsible')),
    written_as  TEXT NOT NULL DEFAULT '',
    seq         BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    UNIQUE (item_id, body_id, unit_id, role)
);
CREATE INDEX assignments_unit ON assignments (unit_id, body_id, item_id);

-- An item handed down to a subordinate body ("各县〔市〕政府"): it appears in
-- that body's inbound list until its office assigns it to its own units.
CREATE TABLE cascades (
    id          INTEGER PRIMARY KEY,
    item_id     BIGINT NOT NULL REFERENCES plan_items (id) ON DELETE CASCADE,
    body_id     BIGINT NOT NULL REFERENCES bodies (id),
    role        TEXT NOT NULL CHECK (role IN ('lead', 'responsible')),
    written_as  TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'assigned')),
    assigned_by BIGINT REFERENCES users (id),
    assigned_at BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    UNIQUE (item_id, body_id)
);
CREATE INDEX cascades_body ON cascades (body_id, status);

-- The versions of a published plan: each change after publication gets the
-- next revision, with who made it and the item's values before and after.
CREATE TABLE plan_changes (
    id          INTEGER PRIMARY KEY,
    plan_id     BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    revision    BIGINT NOT NULL,
    item_id     BIGINT,
    action      TEXT NOT NULL,
    summary     TEXT NOT NULL DEFAULT '',
    before_json TEXT NOT NULL DEFAULT '',
    after_json  TEXT NOT NULL DEFAULT '',
    user_id     BIGINT REFERENCES users (id),
    user_name   TEXT NOT NULL DEFAULT '',
    changed_at  BIGINT NOT NULL,
    UNIQUE (plan_id, revision)
);
