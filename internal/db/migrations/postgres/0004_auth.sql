-- Accounts, version 2: a TOTP secret offered for enrolment is kept with the
-- session that asked for it, not in a form field the browser could swap,
-- until the user confirms it with a code (SECURITY.md A7).
ALTER TABLE sessions ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';
