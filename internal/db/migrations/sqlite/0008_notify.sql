-- Jobs, notifications and e-mail (issue 4).
--
-- jobs: scheduled work kept in the database so that it survives a restart
-- and runs once across several instances. A job is unique by (kind, key);
-- an instance claims a due one by writing its id into claimed_by with a
-- lease (claimed_until); a claim whose lease ran out (the instance died) is
-- claimed again. version grows whenever the job is re-timed, so a run that
-- finishes after a re-time leaves the new schedule alone.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    key           TEXT NOT NULL,
    payload       TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    run_at        BIGINT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    version       BIGINT NOT NULL DEFAULT 1,
    claimed_by    TEXT NOT NULL DEFAULT '',
    claimed_until BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (kind, key)
);
CREATE INDEX jobs_due ON jobs (status, run_at);

-- In-app notifications, one row per user. dedupe_key makes a notification
-- recorded once per user, ever (a reminder is not repeated); NULL means no
-- deduplication. read_at is 0 while unread.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    link        TEXT NOT NULL DEFAULT '',
    dedupe_key  TEXT,
    created_at  BIGINT NOT NULL,
    read_at     BIGINT NOT NULL DEFAULT 0,
    UNIQUE (user_id, dedupe_key)
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);

-- E-mail outbox: one row per message, written in the transaction of the
-- change it reports and sent afterwards by a "mail.send" job. dedupe_key
-- keeps digests to one a day per user.
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY,
    notification_id BIGINT REFERENCES notifications (id) ON DELETE SET NULL,
    user_id         BIGINT REFERENCES users (id) ON DELETE SET NULL,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    dedupe_key      TEXT UNIQUE,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX mail_outbox_status ON mail_outbox (status, id);

-- Per-user notification preferences (the users table has no column for
-- them): the daily digest opt-in.
CREATE TABLE notify_prefs (
    user_id     BIGINT NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    digest      BOOLEAN NOT NULL DEFAULT FALSE,
    last_digest BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL
);
