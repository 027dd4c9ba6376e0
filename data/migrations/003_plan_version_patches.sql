-- 003 plan version patches: a full snapshot only every few versions, and in between
-- a patch holding just the days that changed, so the cost of an edit (time and file
-- growth) does not grow with the history. Written only by core.plan.store.apply_ops;
-- rows written before this migration keep their full snapshot and read as before.

DROP INDEX plan_versions_hash;
ALTER TABLE plan_versions ALTER COLUMN snapshot_json DROP NOT NULL;
-- {"day_N": <canonical day>, ...}: the days this version changed, whole.
ALTER TABLE plan_versions ADD COLUMN patch_json VARCHAR;
CREATE INDEX plan_versions_hash ON plan_versions (athlete_id, plan_hash);
