-- What an import needs beyond adding tasks: the ids it must not take for its
-- own (see last_task_id), and replacing a stored task (--on-conflict replace).

-- name: last_task_id :scalar
-- The highest id before an import begins: a stored task with a higher id
-- found by uid was written by the import itself, from an earlier record of
-- the same file.
SELECT coalesce(max(id), 0) FROM tasks;

-- name: replace_task :exec
-- The stored task takes every imported field but its id and uid.
UPDATE tasks
   SET description = :description, search_key = :search_key, completed = :completed,
       priority = :priority, due = :due, created_at = :created_at, completed_at = :completed_at
 WHERE id = :id;

-- name: untag_task :exec
-- Remove every tag of a task, so a replaced task keeps only the imported ones.
DELETE FROM task_tags WHERE task_id = :task_id;

-- name: add_imported_task :exec
-- insert_task without RETURNING: a batch of these runs as one executemany,
-- and the import needs no ids (the tags find each task by its uid).
INSERT INTO tasks (uid, description, search_key, completed, priority, due, created_at, completed_at)
VALUES (:uid, :description, :search_key, :completed, :priority, :due, :created_at, :completed_at);

-- name: link_imported_tag :exec
-- Tag the task with this uid, one pair a statement: how SQLite tags an
-- import's chunk (see link_imported_tags for PostgreSQL).
INSERT INTO task_tags (task_id, tag_id)
SELECT t.id, g.id FROM tasks t, tags g WHERE t.uid = :uid AND g.name = :name
ON CONFLICT DO NOTHING;
