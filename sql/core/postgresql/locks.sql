-- name: lock_migrations :exec
-- Serialise migrations across processes; the server releases it if we die.
SELECT pg_advisory_lock(:key);

-- name: unlock_migrations :exec
SELECT pg_advisory_unlock(:key);
