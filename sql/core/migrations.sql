-- name: applied_migrations :many
-- The migrations yoyo has recorded as applied.
SELECT migration_id FROM _yoyo_migration;
