-- Writes that go around minidb's own code, to show the schema itself keeps
-- the uid rules.

-- name: insert_task_with_uid :exec
INSERT INTO tasks (uid, description, search_key, completed, created_at)
VALUES (:uid, 'x', 'x', FALSE, CURRENT_TIMESTAMP);

-- name: insert_task_without_uid :exec
INSERT INTO tasks (description, search_key, completed, created_at)
VALUES ('x', 'x', FALSE, CURRENT_TIMESTAMP);

-- name: clear_uid :exec
UPDATE tasks SET uid = NULL WHERE id = :id;

-- name: uids :many
SELECT id, uid FROM tasks ORDER BY id;
