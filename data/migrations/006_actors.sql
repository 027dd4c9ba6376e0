-- 006 actors: who made each change. `author` says what kind of writer (coach, ai, import,
-- migration, revert); `actor` says which person: the signed-in username or OIDC email, or
-- 'local' when the dashboard is not shared (no sign-in, loopback only) and for the CLI.
-- Rows written before this migration had no sign-in to record, so they read 'local'.
ALTER TABLE plan_versions ADD COLUMN actor VARCHAR DEFAULT 'local';
ALTER TABLE interactions ADD COLUMN actor VARCHAR DEFAULT 'local';
